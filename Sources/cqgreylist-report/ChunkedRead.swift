// How cqgreylist-report reads a big file on several threads: in chunks, the changes to clients' tallies made by
// the thread that owns the clients' shards, in the file's order.
import Dispatch
import Glibc
import Greylist
import GreylistAdmin
import GreylistSystem
import GreylistTools
import Synchronization

extension Report {
    /// What one chunk of a file said.
    struct Part: Sendable {
        var report: LogReport
        /// The first unreadable lines: number within the chunk, problem, an excerpt.
        var problems: [(Int, UnreadableLogLine, String)] = []
        var error: Errno?
    }

    /// A big file is read in chunks of this size, each thread taking every `threads`th.
    static let chunkSize: Int64 = 8 << 20

    /// Reads the file at `path` into `report` on `threads` threads. Each reads its next chunk into a report that
    /// holds its changes to clients' tallies, then makes the changes of every chunk of the round before, in the
    /// file's order, to the tallies it owns (`LogReport.lendClients`): no thread holds all the clients, each
    /// client's changes are made in the order of its lines, and a thread waits only for chunks a round behind.
    /// `take` gets each chunk, in order, once it is in `report`. The file is opened once, and its size read from
    /// that descriptor: every chunk is of the file opened, whatever is renamed over its path meanwhile. Throws if it
    /// cannot be opened; a chunk that cannot be read says so in its `Part`.
    static func read(_ path: String, threads: Int, into report: inout LogReport, take: (Part) -> Void) throws(Errno) {
        let fd = try openFile(atPath: path, flags: O_RDONLY)
        defer { try? closeFile(fd) }
        let chunks = Int((try fileSize(ofOpenFile: fd) + chunkSize - 1) / chunkSize)
        let shelf = ChunkShelf(chunks: chunks, tables: (0..<threads).map { report.lendClients(to: $0, of: threads) })
        let empty = report.emptyCopy(holdingClientChangesFor: threads)
        let group = DispatchGroup()
        for thread in 0..<threads {   // a queue each: each runs on a thread of its own, whatever the pool's width
            DispatchQueue(label: "cqgreylist-report chunks \(thread)").async(group: group) {
                var table = shelf.lentTable(thread), buffer: [UInt8] = []
                for round in 0...(chunks + threads - 1) / threads {   // one round more than there are: the last chunks' changes
                    let chunk = round * threads + thread
                    if chunk < chunks {
                        let range = chunkSize * Int64(chunk)..<(chunk == chunks - 1 ? Int64.max : chunkSize * Int64(chunk + 1))
                        shelf.put(read(fd, empty, range: range, buffer: &buffer), at: chunk)
                    }
                    guard round > 0 else { continue }
                    for earlier in (round - 1) * threads..<min(round * threads, chunks) {
                        table.apply(changesHeldBy: shelf.report(at: earlier), owner: thread, of: threads)
                        shelf.madeChanges(at: earlier)
                    }
                }
                shelf.giveBack(table, thread)
            }
        }
        for chunk in 0..<chunks {
            let part = shelf.take(at: chunk)
            report.append(part.report)
            take(part)
        }
        group.wait()
        for thread in 0..<threads { report.takeBackClients(shelf.lentTable(thread), from: thread, of: threads) }
    }

    /// Reads the lines of the open file `fd` that start in `range` into a copy of `empty`, through `buffer`.
    static func read(_ fd: CInt, _ empty: LogReport, range: Range<Int64>, buffer: inout [UInt8]) -> Part {
        var part = Part(report: empty)
        do throws(Errno) {
            try forEachLine(ofOpenFile: fd, range: range, limit: LogReport.maximumLineLength, buffer: &buffer) { line, number in
                guard let problem = part.report.add(line: line), part.problems.count < reportedProblems else { return }
                part.problems.append((number, problem, excerpt(line)))
            }
        } catch {
            part.error = error
        }
        return part
    }
}

/// The chunks of a file on their way from the thread that read one, to every thread that makes its changes to
/// the tallies it owns, to the report that takes it in; and those tallies, lent to the threads.
final class ChunkShelf: Sendable {
    private let parts: Mutex<[Report.Part?]>
    private let tables: Mutex<[ClientTable?]>
    private let owners: Int
    /// Signalled once per owner when a chunk is read; once by each owner when it made the chunk's changes.
    private let read: [DispatchSemaphore], changed: [DispatchSemaphore]

    init(chunks: Int, tables: [ClientTable]) {
        parts = Mutex(Array(repeating: nil, count: chunks))
        self.tables = Mutex(tables)
        owners = tables.count
        (read, changed) = ((0..<chunks).map { _ in DispatchSemaphore(value: 0) }, (0..<chunks).map { _ in DispatchSemaphore(value: 0) })
    }

    /// Takes out the tallies lent to `owner`, which `giveBack` returns.
    func lentTable(_ owner: Int) -> ClientTable { tables.withLock { $0[owner].take()! } }

    /// Returns the tallies of `owner`.
    func giveBack(_ table: ClientTable, _ owner: Int) { tables.withLock { $0[owner] = table } }

    /// Puts chunk `index`, read.
    func put(_ part: Report.Part, at index: Int) {
        parts.withLock { $0[index] = part }
        for _ in 0..<owners { read[index].signal() }
    }

    /// The report of chunk `index`, once it is read.
    func report(at index: Int) -> LogReport {
        read[index].wait()
        return parts.withLock { $0[index]!.report }
    }

    /// Says that an owner made the changes of chunk `index`.
    func madeChanges(at index: Int) { changed[index].signal() }

    /// Chunk `index`, taken off the shelf once every owner made its changes.
    func take(at index: Int) -> Report.Part {
        for _ in 0..<owners { changed[index].wait() }
        return parts.withLock { $0[index].take()! }
    }
}
