/* Names for enum wire_err, for traces and test output. */
#include "net/wire.h"

const char *wire_strerror(enum wire_err err)
{
	switch (err) {
	case WIRE_OK:
		return "ok";
	case WIRE_ETRUNC:
		return "truncated: shorter than the fixed header";
	case WIRE_EHDRLEN:
		return "bad header length";
	case WIRE_ETOTLEN:
		return "bad total length";
	case WIRE_EVERSION:
		return "wrong IP version";
	case WIRE_ECSUM:
		return "bad checksum";
	case WIRE_EOPTLEN:
		return "bad option length";
	case WIRE_EOPTVAL:
		return "option length wrong for its kind";
	case WIRE_EHWTYPE:
		return "ARP is not Ethernet/IPv4";
	case WIRE_EFRAG:
		return "fragment ends beyond 65535";
	case WIRE_ETYPE:
		return "not a type this parser reads";
	case WIRE_EFLAGS:
		return "a flag the format does not define";
	}
	/* Not a case label above: a value no enumerator has (the enum is
	 * read from memory a caller owns). */
	return "unknown wire error";
}
