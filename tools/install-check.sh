# tools/install --check, sourced by tools/install after its options: every problem, each with a fix that works as
# printed, then exit 0 if there is none, else 111. A `note:` says what could not be checked, and why.
problems=0
problem() { problems=$((problems + 1)); printf 'problem: %s\n  fix: %s\n' "$1" "$2"; }
note() { printf 'note: %s\n' "$1"; }

# The first directory above $1 (/ excluded) that the user cannot enter, if any: status 1 if there is none, 200
# if we cannot tell (not root).
first_unreachable() {
  local rest=${1#/} ancestor="" status
  getent passwd "$user" >/dev/null || return 1
  while [[ $rest == */* ]]; do
    ancestor+=/${rest%%/*}
    rest=${rest#*/}
    as_user test -x "$ancestor" && continue
    status=$?
    ((status == 200)) && return 200
    echo "$ancestor"
    return 0
  done
  return 1
}

# A problem naming the first directory above $1 that the user cannot enter, if any (else status 1).
unreachable_problem() {
  local blocked
  blocked=$(first_unreachable "$1") || return 1
  problem "$user cannot reach $1: $blocked is not searchable by $user" "chmod a+x $blocked"
}

# How a missing program comes back: the way it was installed. The Debian package's are links from /var/qmail/bin
# to /usr/sbin, made by its postinst; tools/install copies them.
restore_fix() {
  local target
  if [ -L "$bin/$1" ] && target=$(readlink "$bin/$1") && dpkg-query -S "$target" >/dev/null 2>&1; then
    echo "apt-get install --reinstall cqgreylist"
  elif [ "$bin" = /var/qmail/bin ] && dpkg-query -S "/usr/sbin/$1" >/dev/null 2>&1; then
    echo "dpkg-reconfigure cqgreylist"
  else
    echo "tools/install"
  fi
}

for program in "${programs[@]}"; do
  if [ ! -e "$bin/$program" ]; then problem "$bin/$program is missing" "$(restore_fix "$program")"
  elif [ ! -f "$bin/$program" ] || [ ! -x "$bin/$program" ]; then problem "$bin/$program is not an executable file" "chmod 755 $bin/$program, or tools/install"
  fi
done
getent passwd "$user" >/dev/null || problem "no user $user" "create it (qmail's setup does), or give --user"
getent group "$group" >/dev/null || problem "no group $group" "create it (qmail's setup does), or give --group"

# Settings first: an envdir may move the state directory and the whitelist. They are read by envdir itself and
# checked by the cleaner, with the wrapper's own settings code; its Redis servers are checked as the user.
whitelist_moved_by=
for envdir in "${envdirs[@]}"; do
  if [ ! -d "$root$envdir" ]; then problem "envdir $root$envdir is missing" "give the service's env directory"; continue; fi
  if ! command -v envdir >/dev/null; then problem "envdir is not installed, so $root$envdir cannot be checked" "apt-get install daemontools"; continue; fi
  [ -x "$bin/cqgreylist-clean" ] || { note "settings in $root$envdir not checked: $bin/cqgreylist-clean is missing"; continue; }
  errors=$(mktemp)
  # Only what the envdir sets, not the environment of whoever runs the check (env -i).
  if output=$(env -i PATH=/usr/bin:/bin envdir "$root$envdir" "$bin/cqgreylist-clean" --check-settings 2>"$errors"); then :; else
    while IFS= read -r line; do
      problem "${line#cqgreylist-clean: } (in $root$envdir)" "correct or remove the file in $root$envdir named by the variable"
    done < "$errors"
  fi
  while IFS='=' read -r name value; do
    # What the envdir sets (envdir unsets a variable whose file is empty); the rest keeps --prefix's paths.
    [ -s "$root$envdir/$name" ] || continue
    case $name=$value in
      CQGREYLIST_DIR=/*) state=$value ;;
      CQGREYLIST_WHITELIST=/*) whitelist=$value whitelist_moved_by=$root$envdir ;;
      CQGREYLIST_LOGONLY=on) note "log-only mode is on (CQGREYLIST_LOGONLY in $root$envdir): every client passes, none is greylisted" ;;
    esac
  done <<< "$output"
  # Redis, as the user: the password file is the user's to read, and the ACL the user's password allows.
  # Its problems come as `cqgreylist-clean: PROBLEM` lines, each followed by `  fix: FIX`; exit 100 is a bad
  # setting, reported above.
  if [ ! -s "$root$envdir/CQGREYLIST_REDIS" ]; then :
  elif as_user env -i PATH=/usr/bin:/bin envdir "$root$envdir" "$bin/cqgreylist-clean" --check-redis >/dev/null 2>"$errors"; then :; else
    case $? in
      100) ;;
      200) note "not root: could not check the Redis servers of $root$envdir as $user" ;;
      *) said=
         while IFS= read -r line; do
           if [[ $line == "  fix: "* ]] && [ -n "$said" ]; then problem "$said (in $root$envdir)" "${line#  fix: }"; said=
           else [ -z "$said" ] || problem "$said (in $root$envdir)" "see cqgreylist-clean(8)"; said=${line#cqgreylist-clean: }
           fi
         done < "$errors"
         [ -z "$said" ] || problem "$said (in $root$envdir)" "see cqgreylist-clean(8)" ;;
    esac
  fi
  rm -f "$errors"
done

dir=$root$state
if [ -L "$dir" ] && [ ! -e "$dir" ]; then
  problem "state directory $dir is a symlink to $(readlink "$dir"), which does not exist" \
    "install -d -m 700 -o $user -g $group $(readlink -m "$dir")"
elif [ ! -e "$dir" ]; then
  problem "state directory $dir is missing" "install -d -m 700 -o $user -g $group $dir"
elif [ ! -d "$dir" ]; then
  problem "state directory $dir is not a directory" "move it away, then install -d -m 700 -o $user -g $group $dir"
else
  owner=$(stat -L -c %U "$dir") owner_group=$(stat -L -c %G "$dir") mode=$(stat -L -c %a "$dir")
  [ "$owner" = "$user" ] || problem "state directory $dir is owned by $owner, not $user" "chown $user $dir"
  [ "$owner_group" = "$group" ] || problem "state directory $dir has group $owner_group, not $group" "chgrp $group $dir"
  [ "$mode" = 700 ] || problem "state directory $dir has mode $mode, not 700" "chmod 700 $dir"
  # A record as the wrapper writes one, with data: a file system with inodes but no blocks left makes empty files.
  probe=".cqgreylist-check.$$"
  # shellcheck disable=SC2016
  if written=$(as_user sh -c 'printf "passed\n" | dd of="$1/$2" conv=fsync status=none 2>&1; s=$?; rm -f "$1/$2"; exit $s' sh "$dir" "$probe"); then :
  else
    case $? in
      200) note "not root: could not check that $user can write in $dir" ;;
      *) if unreachable_problem "$dir"; then :
         elif [[ $written == *"No space left on device"* ]]; then
           problem "$user cannot write a record in $dir: No space left on device (df $dir; df -i $dir)" "free space on the file system of $dir"
         else
           problem "$user cannot make files in $dir" "make $dir writable by $user: chown $user $dir; chmod 700 $dir"
         fi ;;
    esac
  fi
  # Every directory and record in the tree: one made by root (a cleaner run as root, a restore) keeps the clients
  # under it greylisted for good, each connection failing to write its record. Bounded in time: a million records
  # took 3 to 5 s with a warm cache, 28 s with a cold one, on the 2-processor development machine under load. The
  # fix's trailing slash follows a state directory that is a symlink, as chown -R does not.
  walk_seconds=${CQGREYLIST_CHECK_WALK_SECONDS:-120}
  found=$(mktemp)
  if ! getent passwd "$user" >/dev/null; then :
  elif timeout "$walk_seconds" find "$dir/" -mindepth 1 \( ! -user "$user" -o -type d ! -perm -u=rwx -o -type f ! -perm -u=rw \) \
         -printf '%P\n' > "$found" 2>/dev/null; then :
  elif (($? == 124)); then
    note "stopped walking $dir after ${walk_seconds}s: what it had not reached is not checked (CQGREYLIST_CHECK_WALK_SECONDS)"
  else
    note "could not read $dir to check the directories in it"
  fi
  if [ -s "$found" ]; then
    count=$(wc -l < "$found")
    listed=$(sort "$found" | sed -n 1,10p | paste -sd ' ')
    ((count <= 10)) || listed="$listed ... ($count in all)"
    problem "state directory $dir holds directories or records $user cannot write: $listed" "chown -R $user:$group $dir/; chmod -R u+rwX $dir/"
  fi
  rm -f "$found"
fi

# The whitelist. An envdir that moves the cdb says nothing of its source: then only the cdb is checked.
cdb=$root$whitelist source_file=
if [ -n "$whitelist_moved_by" ]; then
  note "whitelist $cdb is named by $whitelist_moved_by, which does not say its source: the source is not checked"
else
  source_file=$root$whitelist_source
fi
# The list of big senders is compiled with it unless the administrator dropped it from the crontab's compile line
# (tools/install's crontab; a crontab elsewhere is not read, so then the file counts as in use). Its spf: lines need
# DNS, which the nightly run's mail reports on: here it is only checked to be compiled, not looked up again.
big_senders_file=
if [ -n "$source_file" ] && [ -e "$root$big_senders" ]; then
  cron_file=$root/etc/cron.d/cqgreylist
  compile_lines=$( { grep -v '^[[:space:]]*#' "$cron_file" 2>/dev/null || true; } | grep cqgreylist-mkwhitelist || true)
  if [ -n "$compile_lines" ] && ! grep -q -- "$big_senders" <<< "$compile_lines"; then
    note "$root$big_senders is not in $cron_file's compile line: the big senders are not whitelisted"
  else
    big_senders_file=$root$big_senders
  fi
fi
recompile="$prefix/bin/cqgreylist-mkwhitelist --cdb $whitelist${dns:+ $dns} ${source_file:+$whitelist_source}${big_senders_file:+ $big_senders}"
[ -n "$source_file" ] || recompile="recompile it from its source: $prefix/bin/cqgreylist-mkwhitelist --cdb $whitelist SOURCE"
if [ -n "$source_file" ] && [ -e "$source_file" ]; then
  scratch=$(mktemp -d)
  if [ -x "$bin/cqgreylist-mkwhitelist" ] && ! compiled=$("$bin/cqgreylist-mkwhitelist" --cdb "$scratch/check.cdb" "$source_file" 2>&1); then
    problem "whitelist $source_file does not compile: $(printf '%s\n' "$compiled" | grep -v '^cqgreylist-mkwhitelist: ' | head -3 | paste -sd ';' | sed 's/;/; /g')" \
      "correct those lines, then $recompile"
  fi
  rm -rf "$scratch"
  if [ ! -e "$cdb" ]; then
    problem "whitelist $source_file was never compiled ($cdb is missing)" "$recompile"
  elif [ "$source_file" -nt "$cdb" ]; then
    problem "whitelist $source_file is newer than $cdb: the wrapper does not see the changes" "$recompile"
  elif [ -n "$big_senders_file" ] && [ "$big_senders_file" -nt "$cdb" ]; then
    problem "the list of big senders $big_senders_file is newer than $cdb (a new version installed): the wrapper does not see it" "$recompile"
  fi
  if [ -f "$root/etc/cron.d/cqgreylist" ] && ! grep -v '^[[:space:]]*#' "$root/etc/cron.d/cqgreylist" | grep -q cqgreylist-mkwhitelist; then
    note "$root/etc/cron.d/cqgreylist does not recompile the whitelist: spf: lines and the big senders are not kept current (see etc/crontab)"
  fi
fi
host_names=
if [ -e "$cdb" ] && [ -x "$bin/cqgreylist-mkwhitelist" ]; then
  # Read as the user the wrapper runs as: 0 or 1 is an answer; 111 says why the cdb cannot be used.
  if result=$(as_user "$bin/cqgreylist-mkwhitelist" --cdb "$cdb" --check 127.0.0.1 2>&1); then :; else
    case $? in
      1) ;;
      200) note "not root: could not check that $user can read $cdb"
         result=$("$bin/cqgreylist-mkwhitelist" --cdb "$cdb" --check 127.0.0.1 2>&1) || [ $? = 1 ] ||
           problem "whitelist cdb $cdb cannot be used: ${result#cqgreylist-mkwhitelist: fatal: }" "$recompile" ;;
      *) if unreachable_problem "$cdb"; then :
         elif [[ $result == *"Permission denied" ]]; then
           problem "whitelist cdb $cdb cannot be used by $user: ${result#cqgreylist-mkwhitelist: fatal: }" "chmod 644 $cdb"
         else   # not a cqgreylist whitelist (a tcprules cdb), truncated, corrupt: only compiling makes it one
           problem "whitelist cdb $cdb cannot be used by $user: ${result#cqgreylist-mkwhitelist: fatal: }" "$recompile"
         fi ;;
    esac
  fi
  # Host-name entries (mail.example.org, .example.org): neither an address nor a network.
  host_names=$("$bin/cqgreylist-mkwhitelist" --cdb "$cdb" --dump 2>/dev/null | sed 's/  #.*//' | grep -v '[:/]' | grep '[A-Za-z]' | head -1) || true
fi

# The run scripts: that they run cqgreylist at all, and that tcpserver gives it verified host names (-p: a name
# whose own addresses include the client's; -H: no names) when the whitelist has host-name entries.
for service in "${services[@]}"; do
  run=$root$service/run
  if [ ! -f "$run" ]; then problem "run script $run is missing" "tools/install --service $service (the sample), or give the service directory"; continue; fi
  # The tcpserver command line, its continuation lines joined, as words (quotes and variables kept as written).
  line=$(sed -e ':a' -e '/\\$/{N;s/\\\n//;ba' -e '}' "$run" | grep -v '^[[:space:]]*#' | grep -E '(^|[[:space:]/])tcpserver([[:space:]]|$)' | head -1) || true
  if [ -z "$line" ]; then note "run script $run has no tcpserver line: not checked"; continue; fi
  read -ra words <<< "$line"
  for ((i = 0; i < ${#words[@]}; i++)); do [ "${words[i]##*/}" = tcpserver ] && break; done
  paranoid=false names=true
  for ((i++; i < ${#words[@]}; i++)); do   # tcpserver's options, to the first word that is none; the last one wins
    word=${words[i]}
    case $word in --) i=$((i + 1)); break ;; -?*) ;; *) break ;; esac
    for ((j = 1; j < ${#word}; j++)); do
      case ${word:j:1} in
        p) paranoid=true ;; P) paranoid=false ;; h) names=true ;; H) names=false ;;
        [bBcCgiIltux]) ((j + 1 < ${#word})) || i=$((i + 1)); break ;;   # its value: the rest of the word, or the next
      esac
    done
  done
  runs_wrapper=false
  for word in "${words[@]:i}"; do [ "${word##*/}" = cqgreylist ] && runs_wrapper=true; done
  $runs_wrapper || problem "run script $run does not run cqgreylist: no client is greylisted" \
    "put $prefix/bin/cqgreylist before qmail-smtpd in $run (see etc/run), then svc -t $service"
  [ -n "$host_names" ] || continue
  if ! $names; then
    problem "whitelist $cdb has host-name entries ($host_names ...), but $run runs tcpserver with -H: clients have no host names, so they never match" \
      "remove -H from the tcpserver options in $run (and give -p), then svc -t $service"
  elif ! $paranoid; then
    problem "whitelist $cdb has host-name entries ($host_names ...), but $run runs tcpserver without -p: anyone can claim a whitelisted name by his own PTR record" \
      "add -p to the tcpserver options in $run, then svc -t $service"
  fi
done

if ((problems)); then echo "check: $problems problem$( ((problems == 1)) || echo s)"; exit 111; fi
echo "check: ok ($bin, $dir, $cdb)"
