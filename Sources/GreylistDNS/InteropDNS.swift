// c-ares: one DNS query at a time, answered or given up within a deadline, and the answer's records.
// The Interop*.swift files are the only ones that touch pointers.
import Glibc
import GreylistAdmin
import GreylistSystem
internal import CAres
import Greylist

/// A DNS record type the SPF expansion asks for.
public enum DNSRecordType: Int32, Sendable {
    case a = 1, mx = 15, txt = 16, aaaa = 28
}

/// The outcome of one query: c-ares' status (`ARES_SUCCESS`, `ARES_ENOTFOUND`, …) and the answer's bytes.
struct DNSReply {
    var status: Int32 = -1
    var answer: [UInt8] = []
    var finished = false
    /// Why the query was given up other than by c-ares (waiting for its sockets failed); nil if it was not.
    var problem: String?
}

/// A c-ares channel: the servers of `/etc/resolv.conf`, or one given, and bounded waits. Safe to use: the channel
/// pointer never leaves the class, which destroys it.
@safe public final class DNSChannel {
    private let channel: OpaquePointer
    /// How long one query may take, answer or not, in milliseconds.
    let deadline: Int

    /// A channel to the servers of `/etc/resolv.conf`, or to `server` (`192.0.2.53`, `127.0.0.1:5353`,
    /// `[::1]:53`; several comma-separated), waiting at most `timeoutMilliseconds` for each query (two tries).
    /// Calls `ares_library_init(3)`, `ares_init_options(3)`, `ares_set_servers_ports_csv(3)`.
    public init(server: String?, timeoutMilliseconds: Int) throws(DNSSetupError) {
        if let server, !Self.isServerList(server) {
            throw DNSSetupError(operation: "use DNS server \(server)", problem: "not IP, IP:PORT or [IPv6]:PORT (comma-separated)")
        }
        var status = ares_library_init(ARES_LIB_INIT_ALL)
        guard status == ARES_SUCCESS else { throw DNSSetupError(operation: "start c-ares", problem: Self.describe(status)) }
        var options = unsafe ares_options()
        // c-ares doubles the wait on the second try: a third of the time, then two thirds.
        unsafe options.timeout = CInt(max(1, timeoutMilliseconds / 3))
        unsafe options.tries = 2
        // A SERVFAIL or REFUSED answer is the answer (ARES_ESERVFAIL), not a reason to call the server unreachable.
        unsafe options.flags = ARES_FLAG_NOCHECKRESP
        var made: OpaquePointer?
        status = unsafe ares_init_options(&made, &options, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS)
        guard status == ARES_SUCCESS, let made = unsafe made else { throw DNSSetupError(operation: "read the resolver configuration", problem: Self.describe(status)) }
        unsafe channel = made
        deadline = timeoutMilliseconds
        if let server {
            // Checked above: c-ares 1.18 frees twice on some malformed lists.
            status = unsafe ares_set_servers_ports_csv(made, server)
            guard status == ARES_SUCCESS else {
                unsafe ares_destroy(made)
                throw DNSSetupError(operation: "use DNS server \(server)", problem: Self.describe(status))
            }
        }
    }

    deinit { unsafe ares_destroy(channel) }

    /// Asks for `name`'s records of `type` (class IN, recursion desired) and waits for the answer, at most the
    /// channel's deadline (then the query is cancelled: `ARES_ECANCELLED`). Calls `ares_query(3)`, `poll(2)`,
    /// `ares_process_fd(3)`, `ares_cancel(3)`.
    func query(_ name: String, type: DNSRecordType) -> DNSReply {
        let reply = DNSReplyBox()
        let context = unsafe Unmanaged.passRetained(reply).toOpaque()
        defer { unsafe Unmanaged<DNSReplyBox>.fromOpaque(context).release() }
        unsafe ares_query(channel, name, 1 /* C_IN */, type.rawValue, { context, status, _, answer, length in
            let reply = unsafe Unmanaged<DNSReplyBox>.fromOpaque(context!).takeUnretainedValue()
            reply.value.status = status
            if let answer = unsafe answer, length > 0 { reply.value.answer = unsafe Array(UnsafeBufferPointer(start: answer, count: Int(length))) }
            reply.value.finished = true
        }, context)
        // The loop ends only once the callback has run (ares_cancel calls it at once): none can run after
        // `reply` is released, not from ares_process_fd for the next query nor from ares_destroy.
        let start = monotonicMilliseconds()
        while !reply.value.finished {
            let remaining = deadline - Int(monotonicMilliseconds() - start)
            if remaining <= 0 {
                unsafe ares_cancel(channel)   // calls back with ARES_ECANCELLED
                continue
            }
            var sockets = [ares_socket_t](repeating: ARES_SOCKET_BAD, count: Int(ARES_GETSOCK_MAXNUM))
            let bits = unsafe ares_getsock(channel, &sockets, ARES_GETSOCK_MAXNUM)
            var watched: [pollfd] = []
            for index in 0..<Int(ARES_GETSOCK_MAXNUM) {
                let events = (cqgreylist_ares_readable(bits, CInt(index)) != 0 ? Int16(POLLIN) : 0)
                    | (cqgreylist_ares_writable(bits, CInt(index)) != 0 ? Int16(POLLOUT) : 0)
                if events != 0 { watched.append(pollfd(fd: sockets[index], events: events, revents: 0)) }
            }
            var limit = timeval(tv_sec: remaining / 1000, tv_usec: (remaining % 1000) * 1000)
            var wait = timeval()
            // ares_timeout returns one of the two pointers it is given: read it while both are still valid.
            let waitMilliseconds = unsafe withUnsafeMutablePointer(to: &limit) { limit in
                unsafe withUnsafeMutablePointer(to: &wait) { wait in
                    let next = unsafe ares_timeout(channel, limit, wait)
                    return unsafe next.map { unsafe Int($0.pointee.tv_sec) * 1000 + Int($0.pointee.tv_usec) / 1000 } ?? remaining
                }
            }
            let ready = unsafe poll(&watched, nfds_t(watched.count), CInt(max(1, waitMilliseconds)))
            if ready < 0 && errno != EINTR {
                let problem = "unable to wait for the DNS server: \(unsafe String(cString: strerror(errno)))"
                // Ends the query now, calling back with ARES_ECANCELLED, so that no callback runs after `reply`
                // is released.
                unsafe ares_cancel(channel)
                reply.value.problem = problem
                break
            }
            if ready <= 0 {
                unsafe ares_process_fd(channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD)   // timeouts and retries
                continue
            }
            for entry in watched where entry.revents != 0 {
                let readable = entry.revents & Int16(POLLIN | POLLERR | POLLHUP) != 0
                let writable = entry.revents & Int16(POLLOUT) != 0
                unsafe ares_process_fd(channel, readable ? entry.fd : ARES_SOCKET_BAD, writable ? entry.fd : ARES_SOCKET_BAD)
            }
        }
        return reply.value
    }

    /// The TXT records of an answer, each one's strings joined. Calls `ares_parse_txt_reply_ext(3)`.
    static func texts(in answer: [UInt8]) -> (status: Int32, records: [[UInt8]]) {
        var list: UnsafeMutablePointer<ares_txt_ext>?
        let status = unsafe answer.withUnsafeBufferPointer { unsafe ares_parse_txt_reply_ext($0.baseAddress, CInt($0.count), &list) }
        defer { unsafe ares_free_data(list) }
        var records: [[UInt8]] = []
        var next = unsafe list
        while let item = unsafe next {
            let text = unsafe item.pointee.txt.map { unsafe Array(UnsafeBufferPointer(start: $0, count: item.pointee.length)) } ?? []
            if unsafe item.pointee.record_start != 0 || records.isEmpty { records.append(text) } else { records[records.count - 1] += text }
            unsafe next = item.pointee.next
        }
        return (status, records)
    }

    /// The IPv4 addresses of an A answer, following CNAMEs. Calls `ares_parse_a_reply(3)`.
    static func ipv4Addresses(in answer: [UInt8]) -> (status: Int32, records: [UInt32]) {
        let (status, found) = unsafe allAddresses(in: answer, empty: ares_addrttl()) { answer, length, found, count in
            unsafe ares_parse_a_reply(answer, length, nil, found, count)
        }
        return (status, found.map { UInt32(bigEndian: $0.ipaddr.s_addr) })
    }

    /// The IPv6 addresses of an AAAA answer, following CNAMEs. Calls `ares_parse_aaaa_reply(3)`.
    static func ipv6Addresses(in answer: [UInt8]) -> (status: Int32, records: [UInt128]) {
        let (status, found) = unsafe allAddresses(in: answer, empty: ares_addr6ttl()) { answer, length, found, count in
            unsafe ares_parse_aaaa_reply(answer, length, nil, found, count)
        }
        return (status, found.map { entry in
            unsafe withUnsafeBytes(of: entry.ip6addr) { unsafe $0.reduce(UInt128(0)) { $0 << 8 | UInt128($1) } }
        })
    }

    /// Every address `parse` finds in an answer. c-ares fills a buffer of the size it is given and drops the
    /// addresses that do not fit without saying so: a full buffer is tried again twice as large (each address
    /// takes more than one byte of the answer, so a buffer longer than the answer always has room).
    private static func allAddresses<Entry>(
        in answer: [UInt8], empty: Entry,
        _ parse: (UnsafePointer<UInt8>?, CInt, UnsafeMutablePointer<Entry>?, UnsafeMutablePointer<CInt>) -> CInt
    ) -> (status: Int32, found: [Entry]) {
        var capacity = 64
        while true {
            var found = [Entry](repeating: empty, count: capacity)
            var count = CInt(capacity)
            let status = unsafe answer.withUnsafeBufferPointer { bytes in
                unsafe found.withUnsafeMutableBufferPointer { entries in
                    unsafe parse(bytes.baseAddress, CInt(bytes.count), entries.baseAddress, &count)
                }
            }
            guard status == ARES_SUCCESS else { return (status, []) }
            if Int(count) < capacity || capacity > answer.count { return (status, Array(found.prefix(Int(count)))) }
            capacity *= 2
        }
    }

    /// The targets of an MX answer. Calls `ares_parse_mx_reply(3)`.
    static func mailExchangers(in answer: [UInt8]) -> (status: Int32, records: [String]) {
        var list: UnsafeMutablePointer<ares_mx_reply>?
        let status = unsafe answer.withUnsafeBufferPointer { unsafe ares_parse_mx_reply($0.baseAddress, CInt($0.count), &list) }
        defer { unsafe ares_free_data(list) }
        var names: [String] = []
        var next = unsafe list
        while let item = unsafe next {
            names.append(unsafe item.pointee.host.map { unsafe String(cString: $0) } ?? "")
            unsafe next = item.pointee.next
        }
        return (status, names)
    }

    /// c-ares' words for a status. Calls `ares_strerror(3)`.
    static func describe(_ status: Int32) -> String { unsafe String(cString: ares_strerror(status)) }
}

/// Where a query's callback leaves its reply.
private final class DNSReplyBox {
    var value = DNSReply()
}

/// Why a DNS channel could not be set up: what failed, and why.
public struct DNSSetupError: Error, CustomStringConvertible {
    /// What was being done (`use DNS server 127.0.0.1:99999`).
    public let operation: String
    /// Why it failed.
    public let problem: String
    public var description: String { "unable to \(operation): \(problem)" }
}
