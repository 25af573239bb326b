/* Per-stack counters with Linux's SNMP names, grouped as /proc/net/snmp and
 * /proc/net/netstat print them. One X-macro list keeps the enum, the group
 * and the printed name together. Counters are plain uint64_t: a stack is
 * run by one thread at a time. */
#ifndef USERTCP_NET_SNMP_H
#define USERTCP_NET_SNMP_H

#include <stdint.h>

/* X(enum name, group, printed name) */
#define SNMP_COUNTERS(X)                                                              \
	X(IPSTATS_MIB_INRECEIVES, "Ip", "InReceives")                                 \
	X(IPSTATS_MIB_INHDRERRORS, "Ip", "InHdrErrors")                               \
	X(IPSTATS_MIB_INADDRERRORS, "Ip", "InAddrErrors")                             \
	X(IPSTATS_MIB_OUTFORWDATAGRAMS, "Ip", "ForwDatagrams")                        \
	X(IPSTATS_MIB_INUNKNOWNPROTOS, "Ip", "InUnknownProtos")                       \
	X(IPSTATS_MIB_INDELIVERS, "Ip", "InDelivers")                                 \
	X(IPSTATS_MIB_OUTREQUESTS, "Ip", "OutRequests")                               \
	X(IPSTATS_MIB_OUTDISCARDS, "Ip", "OutDiscards")                               \
	X(IPSTATS_MIB_OUTNOROUTES, "Ip", "OutNoRoutes")                               \
	X(IPSTATS_MIB_REASMTIMEOUT, "Ip", "ReasmTimeout")                             \
	X(IPSTATS_MIB_REASMREQDS, "Ip", "ReasmReqds")                                 \
	X(IPSTATS_MIB_REASMOKS, "Ip", "ReasmOKs")                                     \
	X(IPSTATS_MIB_REASMFAILS, "Ip", "ReasmFails")                                 \
	X(IPSTATS_MIB_FRAGOKS, "Ip", "FragOKs")                                       \
	X(IPSTATS_MIB_FRAGFAILS, "Ip", "FragFails")                                   \
	X(IPSTATS_MIB_FRAGCREATES, "Ip", "FragCreates")                               \
	X(ICMP_MIB_INMSGS, "Icmp", "InMsgs")                                          \
	X(ICMP_MIB_INERRORS, "Icmp", "InErrors")                                      \
	X(ICMP_MIB_CSUMERRORS, "Icmp", "InCsumErrors")                                \
	X(ICMP_MIB_INDESTUNREACHS, "Icmp", "InDestUnreachs")                          \
	X(ICMP_MIB_INTIMEEXCDS, "Icmp", "InTimeExcds")                                \
	X(ICMP_MIB_INPARMPROBS, "Icmp", "InParmProbs")                                \
	X(ICMP_MIB_INECHOS, "Icmp", "InEchos")                                        \
	X(ICMP_MIB_INECHOREPS, "Icmp", "InEchoReps")                                  \
	X(ICMP_MIB_OUTMSGS, "Icmp", "OutMsgs")                                        \
	X(ICMP_MIB_OUTERRORS, "Icmp", "OutErrors")                                    \
	X(ICMP_MIB_OUTRATELIMITGLOBAL, "Icmp", "OutRateLimitGlobal")                  \
	X(ICMP_MIB_OUTRATELIMITHOST, "Icmp", "OutRateLimitHost")                      \
	X(ICMP_MIB_OUTPARMPROBS, "Icmp", "OutParmProbs")                              \
	X(ICMP_MIB_OUTDESTUNREACHS, "Icmp", "OutDestUnreachs")                        \
	X(ICMP_MIB_OUTTIMEEXCDS, "Icmp", "OutTimeExcds")                              \
	X(ICMP_MIB_OUTECHOS, "Icmp", "OutEchos")                                      \
	X(ICMP_MIB_OUTECHOREPS, "Icmp", "OutEchoReps")                                \
	X(UDP_MIB_INDATAGRAMS, "Udp", "InDatagrams")                                  \
	X(UDP_MIB_NOPORTS, "Udp", "NoPorts")                                          \
	X(UDP_MIB_INERRORS, "Udp", "InErrors")                                        \
	X(UDP_MIB_OUTDATAGRAMS, "Udp", "OutDatagrams")                                \
	X(UDP_MIB_RCVBUFERRORS, "Udp", "RcvbufErrors")                                \
	X(UDP_MIB_SNDBUFERRORS, "Udp", "SndbufErrors")                                \
	X(UDP_MIB_CSUMERRORS, "Udp", "InCsumErrors")                                  \
	X(UDP_MIB_IGNOREDMULTI, "Udp", "IgnoredMulti")                                \
	X(TCP_MIB_RTOALGORITHM, "Tcp", "RtoAlgorithm")                                \
	X(TCP_MIB_RTOMIN, "Tcp", "RtoMin")                                            \
	X(TCP_MIB_RTOMAX, "Tcp", "RtoMax")                                            \
	X(TCP_MIB_MAXCONN, "Tcp", "MaxConn")                                          \
	X(TCP_MIB_ACTIVEOPENS, "Tcp", "ActiveOpens")                                  \
	X(TCP_MIB_PASSIVEOPENS, "Tcp", "PassiveOpens")                                \
	X(TCP_MIB_ATTEMPTFAILS, "Tcp", "AttemptFails")                                \
	X(TCP_MIB_ESTABRESETS, "Tcp", "EstabResets")                                  \
	X(TCP_MIB_CURRESTAB, "Tcp", "CurrEstab")                                      \
	X(TCP_MIB_INSEGS, "Tcp", "InSegs")                                            \
	X(TCP_MIB_OUTSEGS, "Tcp", "OutSegs")                                          \
	X(TCP_MIB_RETRANSSEGS, "Tcp", "RetransSegs")                                  \
	X(TCP_MIB_INERRS, "Tcp", "InErrs")                                            \
	X(TCP_MIB_OUTRSTS, "Tcp", "OutRsts")                                          \
	X(TCP_MIB_CSUMERRORS, "Tcp", "InCsumErrors")                                  \
	X(LINUX_MIB_SYNCOOKIESSENT, "TcpExt", "SyncookiesSent")                       \
	X(LINUX_MIB_SYNCOOKIESRECV, "TcpExt", "SyncookiesRecv")                       \
	X(LINUX_MIB_SYNCOOKIESFAILED, "TcpExt", "SyncookiesFailed")                   \
	X(LINUX_MIB_EMBRYONICRSTS, "TcpExt", "EmbryonicRsts")                         \
	X(LINUX_MIB_TIMEWAITED, "TcpExt", "TW")                                       \
	X(LINUX_MIB_TIMEWAITKILLED, "TcpExt", "TWKilled")                             \
	X(LINUX_MIB_TIMEWAITRECYCLED, "TcpExt", "TWRecycled")                         \
	X(LINUX_MIB_PAWSESTABREJECTED, "TcpExt", "PAWSEstab")                         \
	X(LINUX_MIB_DELAYEDACKS, "TcpExt", "DelayedACKs")                             \
	X(LINUX_MIB_DELAYEDACKLOST, "TcpExt", "DelayedACKLost")                       \
	X(LINUX_MIB_LISTENOVERFLOWS, "TcpExt", "ListenOverflows")                     \
	X(LINUX_MIB_LISTENDROPS, "TcpExt", "ListenDrops")                             \
	X(LINUX_MIB_TCPDEFERACCEPTDROP, "TcpExt", "TCPDeferAcceptDrop")               \
	X(LINUX_MIB_TCPHPHITS, "TcpExt", "TCPHPHits")                                 \
	X(LINUX_MIB_TCPPUREACKS, "TcpExt", "TCPPureAcks")                             \
	X(LINUX_MIB_TCPHPACKS, "TcpExt", "TCPHPAcks")                                 \
	X(LINUX_MIB_TCPRENORECOVERY, "TcpExt", "TCPRenoRecovery")                     \
	X(LINUX_MIB_TCPSACKRECOVERY, "TcpExt", "TCPSackRecovery")                     \
	X(LINUX_MIB_TCPFASTRETRANS, "TcpExt", "TCPFastRetrans")                       \
	X(LINUX_MIB_TCPSLOWSTARTRETRANS, "TcpExt", "TCPSlowStartRetrans")             \
	X(LINUX_MIB_TCPTIMEOUTS, "TcpExt", "TCPTimeouts")                             \
	X(LINUX_MIB_TCPRCVCOLLAPSED, "TcpExt", "TCPRcvCollapsed")                     \
	X(LINUX_MIB_TCPABORTONDATA, "TcpExt", "TCPAbortOnData")                       \
	X(LINUX_MIB_TCPABORTONCLOSE, "TcpExt", "TCPAbortOnClose")                     \
	X(LINUX_MIB_TCPABORTONMEMORY, "TcpExt", "TCPAbortOnMemory")                   \
	X(LINUX_MIB_TCPABORTONTIMEOUT, "TcpExt", "TCPAbortOnTimeout")                 \
	X(LINUX_MIB_TCPABORTONLINGER, "TcpExt", "TCPAbortOnLinger")                   \
	X(LINUX_MIB_TCPABORTFAILED, "TcpExt", "TCPAbortFailed")                       \
	X(LINUX_MIB_TCPRCVQDROP, "TcpExt", "TCPRcvQDrop")                             \
	X(LINUX_MIB_TCPOFOQUEUE, "TcpExt", "TCPOFOQueue")                             \
	X(LINUX_MIB_TCPOFODROP, "TcpExt", "TCPOFODrop")                               \
	X(LINUX_MIB_TCPOFOMERGE, "TcpExt", "TCPOFOMerge")                             \
	X(LINUX_MIB_PRUNECALLED, "TcpExt", "PruneCalled")                             \
	X(LINUX_MIB_RCVPRUNED, "TcpExt", "RcvPruned")                                 \
	X(LINUX_MIB_OFOPRUNED, "TcpExt", "OfoPruned")                                 \
	X(LINUX_MIB_TCPMEMORYPRESSURES, "TcpExt", "TCPMemoryPressures")               \
	X(LINUX_MIB_TCPMEMORYPRESSURESCHRONO, "TcpExt", "TCPMemoryPressuresChrono")   \
	X(LINUX_MIB_TCPCHALLENGEACK, "TcpExt", "TCPChallengeACK")                     \
	X(LINUX_MIB_TCPSYNCHALLENGE, "TcpExt", "TCPSYNChallenge")                     \
	X(LINUX_MIB_TCPACKSKIPPEDCHALLENGE, "TcpExt", "TCPACKSkippedChallenge")       \
	X(LINUX_MIB_TCPACKSKIPPEDSEQ, "TcpExt", "TCPACKSkippedSeq")                   \
	X(LINUX_MIB_TCPACKSKIPPEDFINWAIT2, "TcpExt", "TCPACKSkippedFinWait2")         \
	X(LINUX_MIB_TCPACKSKIPPEDTIMEWAIT, "TcpExt", "TCPACKSkippedTimeWait")         \
	X(LINUX_MIB_TCPACKSKIPPEDSYNRECV, "TcpExt", "TCPACKSkippedSynRecv")           \
	X(LINUX_MIB_TCPSYNRETRANS, "TcpExt", "TCPSynRetrans")                         \
	X(LINUX_MIB_TCPORIGDATASENT, "TcpExt", "TCPOrigDataSent")                     \
	X(LINUX_MIB_TCPFASTOPENACTIVE, "TcpExt", "TCPFastOpenActive")                 \
	X(LINUX_MIB_TCPFASTOPENACTIVEFAIL, "TcpExt", "TCPFastOpenActiveFail")         \
	X(LINUX_MIB_TCPFASTOPENPASSIVE, "TcpExt", "TCPFastOpenPassive")               \
	X(LINUX_MIB_TCPFASTOPENPASSIVEFAIL, "TcpExt", "TCPFastOpenPassiveFail")       \
	X(LINUX_MIB_TCPFASTOPENLISTENOVERFLOW, "TcpExt", "TCPFastOpenListenOverflow") \
	X(LINUX_MIB_TCPFASTOPENCOOKIEREQD, "TcpExt", "TCPFastOpenCookieReqd")         \
	X(LINUX_MIB_TCPFASTOPENBLACKHOLE, "TcpExt", "TCPFastOpenBlackhole")           \
	X(LINUX_MIB_TCPFASTOPENPASSIVEALTKEY, "TcpExt", "TCPFastOpenPassiveAltKey")   \
	X(LINUX_MIB_TCPKEEPALIVE, "TcpExt", "TCPKeepAlive")                           \
	X(LINUX_MIB_TCPWINPROBE, "TcpExt", "TCPWinProbe")                             \
	X(LINUX_MIB_TCPWQUEUETOOBIG, "TcpExt", "TCPWqueueTooBig")                     \
	X(LINUX_MIB_TCPREQQFULLDROP, "TcpExt", "TCPReqQFullDrop")                     \
	X(LINUX_MIB_TCPZEROWINDOWDROP, "TcpExt", "TCPZeroWindowDrop")                 \
	X(LINUX_MIB_TCPTOZEROWINDOWADV, "TcpExt", "TCPToZeroWindowAdv")               \
	X(LINUX_MIB_TCPFROMZEROWINDOWADV, "TcpExt", "TCPFromZeroWindowAdv")           \
	X(LINUX_MIB_TCPWANTZEROWINDOWADV, "TcpExt", "TCPWantZeroWindowAdv")           \
	X(LINUX_MIB_TCPTIMEWAITOVERFLOW, "TcpExt", "TCPTimeWaitOverflow")             \
	X(LINUX_MIB_TCPDSACKOLDSENT, "TcpExt", "TCPDSACKOldSent")                     \
	X(LINUX_MIB_TCPDSACKOFOSENT, "TcpExt", "TCPDSACKOfoSent")                     \
	X(LINUX_MIB_OUTOFWINDOWICMPS, "TcpExt", "OutOfWindowIcmps")                   \
	X(LINUX_MIB_TCPRETRANSFAIL, "TcpExt", "TCPRetransFail")                       \
	X(LINUX_MIB_TCPRCVCOALESCE, "TcpExt", "TCPRcvCoalesce")                       \
	X(LINUX_MIB_TCPLOSTRETRANSMIT, "TcpExt", "TCPLostRetransmit")                 \
	X(LINUX_MIB_TCPLOSSPROBES, "TcpExt", "TCPLossProbes")                         \
	X(LINUX_MIB_TCPLOSSPROBERECOVERY, "TcpExt", "TCPLossProbeRecovery")           \
	X(LINUX_MIB_TCPDSACKRECV, "TcpExt", "TCPDSACKRecv")                           \
	X(LINUX_MIB_TCPDSACKOFORECV, "TcpExt", "TCPDSACKOfoRecv")                     \
	X(LINUX_MIB_TCPDSACKRECVSEGS, "TcpExt", "TCPDSACKRecvSegs")                   \
	X(LINUX_MIB_TCPDSACKIGNOREDDUBIOUS, "TcpExt", "TCPDSACKIgnoredDubious")       \
	X(LINUX_MIB_TCPFULLUNDO, "TcpExt", "TCPFullUndo")                             \
	X(LINUX_MIB_TCPPARTIALUNDO, "TcpExt", "TCPPartialUndo")                       \
	X(LINUX_MIB_TCPDSACKUNDO, "TcpExt", "TCPDSACKUndo")                           \
	X(LINUX_MIB_TCPLOSSUNDO, "TcpExt", "TCPLossUndo")                             \
	X(LINUX_MIB_TCPSPURIOUSRTOS, "TcpExt", "TCPSpuriousRTOs")                     \
	X(LINUX_MIB_TCPSACKRENEGING, "TcpExt", "TCPSACKReneging")                     \
	X(LINUX_MIB_TCPSACKREORDER, "TcpExt", "TCPSACKReorder")                       \
	X(LINUX_MIB_TCPRENOREORDER, "TcpExt", "TCPRenoReorder")                       \
	X(LINUX_MIB_TCPTSREORDER, "TcpExt", "TCPTSReorder")                           \
	X(LINUX_MIB_TCPSACKFAILURES, "TcpExt", "TCPSackFailures")                     \
	X(LINUX_MIB_TCPRENOFAILURES, "TcpExt", "TCPRenoFailures")                     \
	X(LINUX_MIB_TCPLOSSFAILURES, "TcpExt", "TCPLossFailures")                     \
	X(LINUX_MIB_TCPDELIVERED, "TcpExt", "TCPDelivered")                           \
	X(LINUX_MIB_TCPDELIVEREDCE, "TcpExt", "TCPDeliveredCE")                       \
	X(LINUX_MIB_TCPHYSTARTTRAINDETECT, "TcpExt", "TCPHystartTrainDetect")         \
	X(LINUX_MIB_TCPHYSTARTTRAINCWND, "TcpExt", "TCPHystartTrainCwnd")             \
	X(LINUX_MIB_TCPHYSTARTDELAYDETECT, "TcpExt", "TCPHystartDelayDetect")         \
	X(LINUX_MIB_TCPHYSTARTDELAYCWND, "TcpExt", "TCPHystartDelayCwnd")             \
	X(IPSTATS_MIB_INNOROUTES, "IpExt", "InNoRoutes")                              \
	X(IPSTATS_MIB_INTRUNCATEDPKTS, "IpExt", "InTruncatedPkts")                    \
	X(IPSTATS_MIB_OUTMCASTPKTS, "IpExt", "OutMcastPkts")                          \
	X(IPSTATS_MIB_INBCASTPKTS, "IpExt", "InBcastPkts")                            \
	X(IPSTATS_MIB_OUTBCASTPKTS, "IpExt", "OutBcastPkts")                          \
	X(IPSTATS_MIB_INOCTETS, "IpExt", "InOctets")                                  \
	X(IPSTATS_MIB_OUTOCTETS, "IpExt", "OutOctets")                                \
	X(IPSTATS_MIB_CSUMERRORS, "IpExt", "InCsumErrors")                            \
	X(IPSTATS_MIB_REASM_OVERLAPS, "IpExt", "ReasmOverlaps")                       \
	X(IPSTATS_MIB_NOECTPKTS, "IpExt", "InNoECTPkts")                              \
	X(IPSTATS_MIB_ECT1PKTS, "IpExt", "InECT1Pkts")                                \
	X(IPSTATS_MIB_ECT0PKTS, "IpExt", "InECT0Pkts")                                \
	X(IPSTATS_MIB_CEPKTS, "IpExt", "InCEPkts")                                    \
	X(NEIGH_STAT_LOOKUPS, "ArpCache", "lookups")                                  \
	X(NEIGH_STAT_HITS, "ArpCache", "hits")                                        \
	X(NEIGH_STAT_RES_FAILED, "ArpCache", "res_failed")                            \
	X(NEIGH_STAT_RCV_PROBES_MCAST, "ArpCache", "rcv_probes_mcast")                \
	X(NEIGH_STAT_RCV_PROBES_UCAST, "ArpCache", "rcv_probes_ucast")                \
	X(NEIGH_STAT_FORCED_GC_RUNS, "ArpCache", "forced_gc_runs")                    \
	X(NEIGH_STAT_UNRES_DISCARDS, "ArpCache", "unresolved_discards")               \
	X(NEIGH_STAT_TABLE_FULLS, "ArpCache", "table_fulls")                          \
	X(IPSTATS6_MIB_INRECEIVES, "Ip6", "InReceives")                               \
	X(IPSTATS6_MIB_INHDRERRORS, "Ip6", "InHdrErrors")                             \
	X(IPSTATS6_MIB_INTOOBIGERRORS, "Ip6", "InTooBigErrors")                       \
	X(IPSTATS6_MIB_INNOROUTES, "Ip6", "InNoRoutes")                               \
	X(IPSTATS6_MIB_INADDRERRORS, "Ip6", "InAddrErrors")                           \
	X(IPSTATS6_MIB_INUNKNOWNPROTOS, "Ip6", "InUnknownProtos")                     \
	X(IPSTATS6_MIB_INTRUNCATEDPKTS, "Ip6", "InTruncatedPkts")                     \
	X(IPSTATS6_MIB_INDISCARDS, "Ip6", "InDiscards")                               \
	X(IPSTATS6_MIB_INDELIVERS, "Ip6", "InDelivers")                               \
	X(IPSTATS6_MIB_OUTFORWDATAGRAMS, "Ip6", "OutForwDatagrams")                   \
	X(IPSTATS6_MIB_OUTREQUESTS, "Ip6", "OutRequests")                             \
	X(IPSTATS6_MIB_OUTDISCARDS, "Ip6", "OutDiscards")                             \
	X(IPSTATS6_MIB_OUTNOROUTES, "Ip6", "OutNoRoutes")                             \
	X(IPSTATS6_MIB_REASMTIMEOUT, "Ip6", "ReasmTimeout")                           \
	X(IPSTATS6_MIB_REASMREQDS, "Ip6", "ReasmReqds")                               \
	X(IPSTATS6_MIB_REASMOKS, "Ip6", "ReasmOKs")                                   \
	X(IPSTATS6_MIB_REASMFAILS, "Ip6", "ReasmFails")                               \
	X(IPSTATS6_MIB_FRAGOKS, "Ip6", "FragOKs")                                     \
	X(IPSTATS6_MIB_FRAGFAILS, "Ip6", "FragFails")                                 \
	X(IPSTATS6_MIB_FRAGCREATES, "Ip6", "FragCreates")                             \
	X(IPSTATS6_MIB_INMCASTPKTS, "Ip6", "InMcastPkts")                             \
	X(IPSTATS6_MIB_OUTMCASTPKTS, "Ip6", "OutMcastPkts")                           \
	X(IPSTATS6_MIB_INOCTETS, "Ip6", "InOctets")                                   \
	X(IPSTATS6_MIB_OUTOCTETS, "Ip6", "OutOctets")                                 \
	X(IPSTATS6_MIB_NOECTPKTS, "Ip6", "InNoECTPkts")                               \
	X(IPSTATS6_MIB_ECT1PKTS, "Ip6", "InECT1Pkts")                                 \
	X(IPSTATS6_MIB_ECT0PKTS, "Ip6", "InECT0Pkts")                                 \
	X(IPSTATS6_MIB_CEPKTS, "Ip6", "InCEPkts")                                     \
	X(ICMP6_MIB_INMSGS, "Icmp6", "InMsgs")                                        \
	X(ICMP6_MIB_INERRORS, "Icmp6", "InErrors")                                    \
	X(ICMP6_MIB_OUTMSGS, "Icmp6", "OutMsgs")                                      \
	X(ICMP6_MIB_OUTERRORS, "Icmp6", "OutErrors")                                  \
	X(ICMP6_MIB_CSUMERRORS, "Icmp6", "InCsumErrors")                              \
	X(ICMP6_MIB_RATELIMITHOST, "Icmp6", "OutRateLimitHost")                       \
	X(ICMP6_MIB_INDESTUNREACHS, "Icmp6", "InDestUnreachs")                        \
	X(ICMP6_MIB_INPKTTOOBIGS, "Icmp6", "InPktTooBigs")                            \
	X(ICMP6_MIB_INTIMEEXCDS, "Icmp6", "InTimeExcds")                              \
	X(ICMP6_MIB_INPARMPROBLEMS, "Icmp6", "InParmProblems")                        \
	X(ICMP6_MIB_INECHOS, "Icmp6", "InEchos")                                      \
	X(ICMP6_MIB_INECHOREPLIES, "Icmp6", "InEchoReplies")                          \
	X(ICMP6_MIB_INROUTERSOLICITS, "Icmp6", "InRouterSolicits")                    \
	X(ICMP6_MIB_INROUTERADVERTISEMENTS, "Icmp6", "InRouterAdvertisements")        \
	X(ICMP6_MIB_INNEIGHBORSOLICITS, "Icmp6", "InNeighborSolicits")                \
	X(ICMP6_MIB_INNEIGHBORADVERTISEMENTS, "Icmp6", "InNeighborAdvertisements")    \
	X(ICMP6_MIB_INREDIRECTS, "Icmp6", "InRedirects")                              \
	X(ICMP6_MIB_OUTDESTUNREACHS, "Icmp6", "OutDestUnreachs")                      \
	X(ICMP6_MIB_OUTPKTTOOBIGS, "Icmp6", "OutPktTooBigs")                          \
	X(ICMP6_MIB_OUTTIMEEXCDS, "Icmp6", "OutTimeExcds")                            \
	X(ICMP6_MIB_OUTPARMPROBLEMS, "Icmp6", "OutParmProblems")                      \
	X(ICMP6_MIB_OUTECHOS, "Icmp6", "OutEchos")                                    \
	X(ICMP6_MIB_OUTECHOREPLIES, "Icmp6", "OutEchoReplies")                        \
	X(ICMP6_MIB_OUTROUTERSOLICITS, "Icmp6", "OutRouterSolicits")                  \
	X(ICMP6_MIB_OUTNEIGHBORSOLICITS, "Icmp6", "OutNeighborSolicits")              \
	X(ICMP6_MIB_OUTNEIGHBORADVERTISEMENTS, "Icmp6", "OutNeighborAdvertisements")  \
	X(UDP6_MIB_INDATAGRAMS, "Udp6", "InDatagrams")                                \
	X(UDP6_MIB_NOPORTS, "Udp6", "NoPorts")                                        \
	X(UDP6_MIB_INERRORS, "Udp6", "InErrors")                                      \
	X(UDP6_MIB_OUTDATAGRAMS, "Udp6", "OutDatagrams")                              \
	X(UDP6_MIB_RCVBUFERRORS, "Udp6", "RcvbufErrors")                              \
	X(UDP6_MIB_SNDBUFERRORS, "Udp6", "SndbufErrors")                              \
	X(UDP6_MIB_CSUMERRORS, "Udp6", "InCsumErrors")                                \
	X(UDP6_MIB_IGNOREDMULTI, "Udp6", "IgnoredMulti")                              \
	X(NDISC_STAT_LOOKUPS, "NdiscCache", "lookups")                                \
	X(NDISC_STAT_HITS, "NdiscCache", "hits")                                      \
	X(NDISC_STAT_RES_FAILED, "NdiscCache", "res_failed")                          \
	X(NDISC_STAT_RCV_PROBES_MCAST, "NdiscCache", "rcv_probes_mcast")              \
	X(NDISC_STAT_RCV_PROBES_UCAST, "NdiscCache", "rcv_probes_ucast")              \
	X(NDISC_STAT_FORCED_GC_RUNS, "NdiscCache", "forced_gc_runs")                  \
	X(NDISC_STAT_UNRES_DISCARDS, "NdiscCache", "unresolved_discards")             \
	X(NDISC_STAT_TABLE_FULLS, "NdiscCache", "table_fulls")

enum snmp_field {
#define SNMP_ENUM(id, group, name) id,
	SNMP_COUNTERS(SNMP_ENUM)
#undef SNMP_ENUM
		SNMP_MIB_MAX
};

struct snmp_mib {
	uint64_t v[SNMP_MIB_MAX];
};

#define SNMP_INC_STATS(stack, field) ((stack)->mib.v[field]++)
#define SNMP_ADD_STATS(stack, field, n) ((stack)->mib.v[field] += (n))
#define SNMP_DEC_STATS(stack, field) ((stack)->mib.v[field]--)
#define TCP_INC_STATS SNMP_INC_STATS
#define TCP_ADD_STATS SNMP_ADD_STATS
#define NET_INC_STATS SNMP_INC_STATS
#define NET_ADD_STATS SNMP_ADD_STATS

#endif
