#!/bin/sh
# All state hangs off a stack or a world: the library defines no writable
# global or static variables, so one process can hold many independent
# stacks. Judged by section: objects in .data or .bss are writable, and so
# is anything in .tdata or .tbss (thread-local storage: one copy a thread,
# still shared by every stack that thread runs); const tables holding
# pointers live in .data.rel.ro, read-only after relocation.
set -u
bin=$1
lib=$(dirname "$bin")/libusertcp.a
if ! command -v objdump >/dev/null 2>&1; then
	echo "skipped: objdump is not installed (binutils)"
	exit 77
fi
[ -f "$lib" ] || { echo "FAIL: $lib not found"; exit 1; }
# Sanitizer builds add their own instrumentation objects; judge ours only.
# The fault-injection build (-DUSERTCP_FAULT=ON, for tests only) counts
# allocations process-wide on purpose: src/core/fault.c's fault_* objects.
# objdump -t: value, flags (O for an object; none for a thread-local
# symbol), section, size, name.
found=$(objdump -t "$lib" |
	awk '{
		sec = ""; flags = "";
		for (i = 2; i <= NF; i++) {
			if ($i ~ /^[.*]/) { sec = $i; break }
			flags = flags $i
		}
		if (sec ~ /^\.t(data|bss)/ ||
		    (flags ~ /O/ && sec ~ /^\.(data|bss)/ && sec !~ /^\.data\.rel\.ro/))
			print
	}' |
	grep -v -E '__(asan|ubsan|sancov|odr_asan)|\.L| fault_(count|target|done)$' || true)
if [ -n "$found" ]; then
	echo "FAIL: writable globals or thread-local variables in libusertcp:"
	echo "$found"
	exit 1
fi
n=$(objdump -t "$lib" | awk '$3 == "O"' | wc -l)
echo "ok none of the $n data objects in $lib is writable, and none is thread-local"
