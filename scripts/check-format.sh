#!/bin/sh
# Fails when a C file of the tree differs from the layout .clang-format
# defines. The layout is that of Debian 12's clang-format 14: another
# major version lays some constructs out differently, so the check runs
# only with 14 and says "skipped:" (exit 77) without it.
#
#   scripts/check-format.sh          check every tracked .c and .h file
#   scripts/check-format.sh --fix    rewrite them in place
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1

cf=
for c in clang-format-14 clang-format; do
	if command -v "$c" >/dev/null 2>&1 &&
	   "$c" --version 2>/dev/null | grep -q 'version 14\.'; then
		cf=$c
		break
	fi
done
if [ -z "$cf" ]; then
	echo "skipped: clang-format 14 is not installed (Debian 12: apt-get install clang-format)"
	exit 77
fi

if [ -d .git ] || [ -f .git ]; then
	files=$(git ls-files --cached --others --exclude-standard '*.c' '*.h')
else
	files=$(find bench include src tests tools -name '*.[ch]' 2>/dev/null | sort)
fi
n=$(printf '%s\n' "$files" | grep -c .)

if [ "${1:-}" = "--fix" ]; then
	printf '%s\n' "$files" | xargs "$cf" -i
	echo "formatted $n files with $cf"
	exit 0
fi

# One process for the whole tree; file by file only to name the culprits.
bad=
if ! printf '%s\n' "$files" | xargs "$cf" --dry-run --Werror >/dev/null 2>&1; then
	for f in $files; do
		"$cf" --dry-run --Werror "$f" >/dev/null 2>&1 || bad="$bad $f"
	done
fi
if [ -n "$bad" ]; then
	echo "FAIL: these files differ from .clang-format's layout:"
	for f in $bad; do
		echo "  $f"
		"$cf" "$f" | diff -u "$f" - | sed -n '3,14p' | sed 's/^/    /'
	done
	echo "fix with: scripts/check-format.sh --fix (or $cf -i FILE)"
	exit 1
fi
echo "ok all $n C files match .clang-format ($cf)"
