// Redis: a socket to the server, every wait under one deadline, and hiredis's reply reader.
// The Interop*.swift files are the only ones that touch pointers.
internal import CHiredis
import CSystem
import Greylist

/// Why talking to a Redis server failed, in a few words: `connect: Connection refused`, `no reply within 200ms`.
public struct RedisConnectionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The problem, e.g. `connect: Connection refused`.
    public let description: String
    init(_ description: String) { self.description = description }
}

/// An open connection to one Redis server, closed when released. The socket is close-on-exec and non-blocking:
/// every wait is a `poll(2)` bounded by the caller's deadline, and writes never raise SIGPIPE.
@safe public final class RedisConnection {
    private let fd: CInt
    private let reader: UnsafeMutablePointer<redisReader>
    /// The most reply bytes one exchange may read, so a confused server cannot make us buffer without bound.
    static let maximumReplyBytes = 16 << 20
    /// The most elements an array reply may announce unless the caller says otherwise: a page of `SCAN` or `MGET`.
    public static let maximumArrayLength = 1 << 16
    private let maximumArrayLength: Int

    /// Connects to `server`, giving up at `deadline` (`monotonicMilliseconds()`); an array reply announcing more
    /// than `maximumArrayLength` elements is a bad reply at once. Calls `socket(2)`, `connect(2)`, `poll(2)`.
    public init(to server: RedisServer, deadline: Milliseconds, maximumArrayLength: Int = RedisConnection.maximumArrayLength)
    throws(RedisConnectionError) {
        let family = switch server {
        case .socket: AF_UNIX
        case .tcp(.v4, _): AF_INET
        case .tcp(.v6, _): AF_INET6
        }
        let fd = socket(family, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue) | CInt(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw RedisConnectionError("socket: \(Errno(rawValue: cqgreylist_errno()))") }
        guard let reader = unsafe cqgreylist_reader_create(CInt(clamping: maximumArrayLength)) else {
            close(fd)
            throw RedisConnectionError("out of memory")
        }
        self.fd = fd
        self.maximumArrayLength = maximumArrayLength
        unsafe self.reader = reader
        var started = Self.startConnect(fd, to: server)
        // A Unix socket whose backlog is full refuses at once (EAGAIN) instead of queueing: try again shortly.
        while started != 0 && cqgreylist_errno() == EAGAIN, case .socket = server, monotonicMilliseconds() < deadline {
            poll(nil, 0, 2)
            started = Self.startConnect(fd, to: server)
        }
        if started != 0 {
            let error = cqgreylist_errno()   // EINTR too leaves the connection under way
            guard error == EINPROGRESS || error == EINTR else { throw RedisConnectionError("connect: \(Errno(rawValue: error))") }
            try wait(for: POLLOUT, until: deadline, doing: "connect")
            var problem: CInt = 0, length = socklen_t(MemoryLayout<CInt>.size)
            if unsafe getsockopt(fd, SOL_SOCKET, SO_ERROR, &problem, &length) != 0 { problem = cqgreylist_errno() }
            if problem != 0 { throw RedisConnectionError("connect: \(Errno(rawValue: problem))") }
        }
        if case .tcp = server {
            var on: CInt = 1
            unsafe setsockopt(fd, CInt(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<CInt>.size))
        }
    }

    deinit {
        close(fd)
        unsafe cqgreylist_reader_free(reader)
    }

    /// Sends `commands` (each a list of arguments) in one write and returns their replies in order, all before
    /// `deadline`. Calls `send(2)`, `poll(2)`, `read(2)`.
    public func exchange(_ commands: [[[UInt8]]], deadline: Milliseconds) throws(RedisConnectionError) -> [RedisReply] {
        let output = RedisRequest.encode(commands)
        var sent = 0
        while sent < output.count {
            let count = unsafe output.withUnsafeBytes { unsafe send(fd, $0.baseAddress! + sent, $0.count - sent, CInt(MSG_NOSIGNAL)) }
            if count >= 0 { sent += count; continue }
            let error = cqgreylist_errno()
            guard error == EAGAIN || error == EINTR else { throw RedisConnectionError("send: \(Errno(rawValue: error))") }
            try wait(for: POLLOUT, until: deadline, doing: "send")
        }
        var replies: [RedisReply] = [], received = 0
        // Raw memory, never filled in advance, and small until a reply fills it: a connection's replies are short,
        // and the wrapper then touches no heap page it would not touch on the state directory (a zeroed 16 KB buffer
        // cost each connection five page faults).
        var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1_024, alignment: 1)
        defer { unsafe buffer.deallocate() }
        while replies.count < commands.count {
            if let reply = try nextReply() { replies.append(reply); continue }
            try wait(for: POLLIN, until: deadline, doing: "reply")
            let count = unsafe read(fd, buffer.baseAddress, buffer.count)
            if count == 0 {   // a server that says why before it closes (too many clients): keep its words
                let said = replies.lazy.compactMap { if case .error(let text) = $0 { text } else { nil } }.first
                throw RedisConnectionError("connection closed by the server" + (said.map { " after: " + RedisRecords.printable($0) } ?? ""))
            }
            if count < 0 {
                let error = cqgreylist_errno()
                guard error == EAGAIN || error == EINTR else { throw RedisConnectionError("read: \(Errno(rawValue: error))") }
                continue
            }
            received += count
            guard received <= Self.maximumReplyBytes else { throw RedisConnectionError("reply longer than \(Self.maximumReplyBytes) bytes") }
            _ = unsafe redisReaderFeed(reader, buffer.baseAddress!.assumingMemoryBound(to: CChar.self), count)
            if count == buffer.count && count < 65_536 {   // a long reply (a page of SCAN): read more at a time
                unsafe buffer.deallocate()
                unsafe buffer = .allocate(byteCount: count * 4, alignment: 1)
            }
        }
        return replies
    }

    /// Waits until `fd` is ready for `events`, or throws when `deadline` comes first.
    private func wait(for events: CInt, until deadline: Milliseconds, doing step: String) throws(RedisConnectionError) {
        while true {
            let left = deadline - monotonicMilliseconds()
            guard left > 0 else { throw RedisConnectionError("\(step): no answer within the time budget") }
            var request = pollfd(fd: fd, events: Int16(events), revents: 0)
            let ready = unsafe poll(&request, 1, CInt(clamping: left))
            if ready > 0 { return }
            if ready < 0 && cqgreylist_errno() != EINTR { throw RedisConnectionError("poll: \(Errno(rawValue: cqgreylist_errno()))") }
        }
    }

    /// The next whole reply the reader holds, if any.
    private func nextReply() throws(RedisConnectionError) -> RedisReply? {
        var reply: UnsafeMutableRawPointer?
        guard unsafe redisReaderGetReply(reader, &reply) == REDIS_OK else {
            let refused = unsafe cqgreylist_reader_refused(reader)
            if refused != -1 {
                throw RedisConnectionError("bad reply: an array of \(refused) elements, more than the \(maximumArrayLength) taken")
            }
            let message = unsafe withUnsafeBytes(of: reader.pointee.errstr) { unsafe String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
            throw RedisConnectionError("bad reply: \(RedisRecords.printable(message))")
        }
        guard let reply = unsafe reply else { return nil }
        defer { unsafe cqgreylist_free_reply(reply) }
        return unsafe Self.value(of: reply.assumingMemoryBound(to: redisReply.self))
    }

    /// A reply as a value.
    private static func value(of reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let reply = unsafe reply.pointee
        let bytes = unsafe reply.str.map { unsafe Array(UnsafeRawBufferPointer(start: $0, count: reply.len)) } ?? []
        switch unsafe reply.type {
        case REDIS_REPLY_STATUS: return .status(String(decoding: bytes, as: UTF8.self))
        case REDIS_REPLY_ERROR: return .error(String(decoding: bytes, as: UTF8.self))
        case REDIS_REPLY_INTEGER: return .integer(unsafe reply.integer)
        case REDIS_REPLY_STRING: return .bulk(bytes)
        case REDIS_REPLY_ARRAY:
            return unsafe .array((0..<reply.elements).map { unsafe value(of: reply.element[$0]!) })
        default: return .null
        }
    }

    /// Calls `connect(2)` with `address`, one of the `sockaddr_*` structures, as a `sockaddr`.
    private static func connect<Address>(_ fd: CInt, to address: inout Address) -> CInt {
        unsafe withUnsafePointer(to: &address) {
            unsafe CSystem.connect(fd, UnsafeRawPointer($0).assumingMemoryBound(to: sockaddr.self), socklen_t(MemoryLayout<Address>.size))
        }
    }

    /// Starts connecting `fd` to `server`: 0 when connected, -1 with errno set otherwise (EINPROGRESS: under way).
    private static func startConnect(_ fd: CInt, to server: RedisServer) -> CInt {
        switch server {
        case .socket(let path):
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            unsafe withUnsafeMutableBytes(of: &address.sun_path) { unsafe $0.copyBytes(from: path.utf8.prefix($0.count - 1)) }
            return connect(fd, to: &address)
        case .tcp(.v4(let value), let port):
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = value.bigEndian
            return connect(fd, to: &address)
        case .tcp(.v6(let value), let port):
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            unsafe withUnsafeMutableBytes(of: &address.sin6_addr) { bytes in
                for index in 0..<16 { unsafe bytes[index] = UInt8(truncatingIfNeeded: value >> UInt128(120 - 8 * index)) }
            }
            return connect(fd, to: &address)
        }
    }
}
