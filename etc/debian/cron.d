# cqgreylist: nightly, expire old records from the state directory (cron mails the one-line summary); see
# cqgreylist-clean(8). It runs as qmaild, the user qmail's run scripts give qmail-smtpd and the wrapper: if your
# state directory belongs to another user, name that one here (dpkg keeps your edits when it upgrades).
# More lines to copy (statistics, metrics): /usr/share/doc/cqgreylist/examples/crontab
17 3 * * * qmaild [ -x /usr/sbin/cqgreylist-clean ] && /usr/sbin/cqgreylist-clean --dir /var/qmail/cqgreylist
# Nightly, as root (who owns /var/qmail/control), recompile the whitelist and the package's list of big senders:
# their spf: lines follow the providers' SPF records. A failure (DNS not answering, exit 111) keeps yesterday's cdb
# and is mailed by cron (only errors: the summary goes to /dev/null). To do without the big senders, drop
# /var/qmail/control/cqgreylist-big-senders.txt from this line.
37 4 * * * root [ -x /usr/sbin/cqgreylist-mkwhitelist ] && /usr/sbin/cqgreylist-mkwhitelist --cdb /var/qmail/control/cqgreylist.cdb /var/qmail/control/cqgreylist.txt /var/qmail/control/cqgreylist-big-senders.txt >/dev/null
