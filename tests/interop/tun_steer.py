#!/usr/bin/python3
# tun_steer.py IFNAME QUEUE: makes the kernel's tun driver put every packet
# it sends to the interface's readers on queue QUEUE, whatever its flow,
# with a steering program (TUNSETSTEERINGEBPF): a two-instruction eBPF
# socket filter returning QUEUE, which tun takes modulo the number of
# queues. It attaches a queue of its own for the ioctl and leaves it at
# once; the program stays with the interface. Exit 77 with a reason when
# the kernel will not load or take the program.
import ctypes
import fcntl
import os
import struct
import sys

TUNSETIFF = 0x400454CA
TUNSETSTEERINGEBPF = 0x800454E0
IFF_TAP, IFF_NO_PI, IFF_MULTI_QUEUE = 0x0002, 0x1000, 0x0100
BPF_PROG_LOAD, BPF_PROG_TYPE_SOCKET_FILTER = 5, 1
SYS_BPF = 321  # x86-64


def insn(code, dst, src, off, imm):
    return struct.pack("<BBhi", code, (src << 4) | dst, off, imm)


def main():
    ifname, queue = sys.argv[1], int(sys.argv[2])
    if os.uname().machine != "x86_64":
        print("skipped: the bpf system call number here is x86-64's")
        return 77
    libc = ctypes.CDLL(None, use_errno=True)
    prog = insn(0xB7, 0, 0, 0, queue) + insn(0x95, 0, 0, 0, 0)  # r0 = QUEUE; exit
    insns = ctypes.create_string_buffer(prog, len(prog))
    lic = ctypes.create_string_buffer(b"GPL")
    # union bpf_attr for BPF_PROG_LOAD: prog_type, insn_cnt, insns, license
    attr = ctypes.create_string_buffer(128)
    struct.pack_into("<IIQQ", attr, 0, BPF_PROG_TYPE_SOCKET_FILTER, len(prog) // 8,
                     ctypes.addressof(insns), ctypes.addressof(lic))
    libc.syscall.restype = ctypes.c_long
    pfd = libc.syscall(ctypes.c_long(SYS_BPF), ctypes.c_long(BPF_PROG_LOAD), attr,
                       ctypes.c_long(128))
    if pfd < 0:
        print("skipped: the kernel would not load a steering program: "
              + os.strerror(ctypes.get_errno()))
        return 77
    fd = os.open("/dev/net/tun", os.O_RDWR)
    try:
        fcntl.ioctl(fd, TUNSETIFF,
                    struct.pack("16sH22x", ifname.encode(), IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE))
        fcntl.ioctl(fd, TUNSETSTEERINGEBPF, struct.pack("i", pfd))
    except OSError as e:
        print("skipped: %s would not take a steering program: %s" % (ifname, e))
        return 77
    os.close(fd)
    os.close(pfd)
    return 0


sys.exit(main())
