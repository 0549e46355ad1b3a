#!/bin/sh
# Writes every manual page, gzipped (-n: reproducible), into DIR/manN/:
#   sh dist/man.sh CARENET DIR
# The pages come from the binary's own tables (carenet help --man PAGE):
# the same source as --help, and config_doc's rows for carenet.cfg(5).
set -eu
carenet=$1 dir=$2
rm -rf "$dir/man1" "$dir/man5"
for page in $("$carenet" help --man-list); do
	mkdir -p "$dir/${page%%/*}"
	name=${page#*/}
	name=${name%.*.gz}
	case $name in
	carenet | carenet.cfg) arg=$name ;;
	*) arg=${name#carenet-} ;;
	esac
	"$carenet" help --man "$arg" | gzip -9n >"$dir/$page.tmp"
	mv "$dir/$page.tmp" "$dir/$page"
done
touch "$dir/stamp"
