/* Writing pcap capture files (the classic libpcap format with nanosecond
 * timestamps, magic 0xa1b23c4d), as tcpdump -w does. */
#ifndef USERTCP_NET_PCAP_H
#define USERTCP_NET_PCAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/uio.h>

#define LINKTYPE_ETHERNET 1
#define LINKTYPE_RAW 101 /* bare IPv4/IPv6 packets */

struct pcap_writer {
	FILE *f;
	uint32_t snaplen;
};

/* Creates path and writes the file header. 0 or -errno. */
int pcap_writer_open(struct pcap_writer *pw, const char *path, uint32_t linktype);
/* Appends one record (truncated to snaplen). Write errors are sticky in the
 * FILE and reported by close. */
void pcap_writer_write(struct pcap_writer *pw, uint64_t ts_ns, const void *data, size_t len);
/* The same for a packet of len bytes in n pieces. */
void pcap_writer_writev(struct pcap_writer *pw, uint64_t ts_ns, const struct iovec *iov, int n,
			size_t len);
/* Flushes and closes; 0 or -errno if any write failed. */
int pcap_writer_close(struct pcap_writer *pw);

#endif
