# cqgreylist: nightly, expire old records from the state directory (cron mails the one-line summary); see
# cqgreylist-clean(8). It runs as qmaild, the user qmail's run scripts give qmail-smtpd and the wrapper: if your
# state directory belongs to another user, name that one here (dpkg keeps your edits when it upgrades).
# More lines to copy (statistics, metrics, recompiling a whitelist with spf: lines daily):
# /usr/share/doc/cqgreylist/examples/crontab
17 3 * * * qmaild [ -x /usr/sbin/cqgreylist-clean ] && /usr/sbin/cqgreylist-clean --dir /var/qmail/cqgreylist
