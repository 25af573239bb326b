/* pcap files: a 24-byte file header, then per packet a 16-byte record
 * header and the bytes. Written in the host's byte order with the
 * nanosecond magic; readers detect both from the magic. */
#include "net/pcap.h"

#include <errno.h>
#include <string.h>

#define PCAP_MAGIC_NSEC 0xa1b23c4du
#define PCAP_SNAPLEN 262144u

int pcap_writer_open(struct pcap_writer *pw, const char *path, uint32_t linktype)
{
	struct {
		uint32_t magic;
		uint16_t version_major, version_minor;
		int32_t thiszone;
		uint32_t sigfigs, snaplen, linktype;
	} hdr = {PCAP_MAGIC_NSEC, 2, 4, 0, 0, PCAP_SNAPLEN, linktype};

	pw->f = fopen(path, "wb");
	if (!pw->f)
		return -errno;
	pw->snaplen = PCAP_SNAPLEN;
	if (fwrite(&hdr, sizeof(hdr), 1, pw->f) != 1) {
		int err = -errno;
		fclose(pw->f);
		pw->f = NULL;
		return err ? err : -EIO;
	}
	return 0;
}

void pcap_writer_write(struct pcap_writer *pw, uint64_t ts_ns, const void *data, size_t len)
{
	uint32_t caplen = len > pw->snaplen ? pw->snaplen : (uint32_t)len;
	uint32_t rec[4] = {(uint32_t)(ts_ns / 1000000000u), (uint32_t)(ts_ns % 1000000000u), caplen,
			   (uint32_t)len};

	if (!pw->f)
		return;
	fwrite(rec, sizeof(rec), 1, pw->f);
	fwrite(data, 1, caplen, pw->f);
}

void pcap_writer_writev(struct pcap_writer *pw, uint64_t ts_ns, const struct iovec *iov, int n,
			size_t len)
{
	uint32_t caplen = len > pw->snaplen ? pw->snaplen : (uint32_t)len;
	uint32_t rec[4] = {(uint32_t)(ts_ns / 1000000000u), (uint32_t)(ts_ns % 1000000000u), caplen,
			   (uint32_t)len};
	size_t left = caplen;

	if (!pw->f)
		return;
	fwrite(rec, sizeof(rec), 1, pw->f);
	for (int i = 0; i < n && left; i++) {
		size_t k = iov[i].iov_len < left ? iov[i].iov_len : left;
		fwrite(iov[i].iov_base, 1, k, pw->f);
		left -= k;
	}
}

int pcap_writer_close(struct pcap_writer *pw)
{
	int err = 0;

	if (!pw->f)
		return 0;
	if (ferror(pw->f))
		err = -EIO;
	if (fclose(pw->f) != 0 && !err)
		err = -errno;
	pw->f = NULL;
	return err;
}
