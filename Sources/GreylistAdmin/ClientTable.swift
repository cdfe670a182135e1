/// Client tallies by key, in 32-byte slots of key and tally side by side (open addressing, linear probing): a
/// lookup in a table bigger than the processor's caches then misses once, not once for the key and once for the
/// tally as in a Dictionary. The slots are cut in `shardCount` shards by the keys' hash, each grown on its own by
/// half when 7/8 full: the table stays at least 7/12 full (at most 55 bytes a client), and a growth never holds
/// twice the table. A log read in chunks by several threads gives each thread the shards it owns (`owned(by:of:)`).
/// Changes wait in batches: the slots of a batch are read all together first, so that their cache misses overlap
/// instead of following one another (a report's main cost otherwise). Keys are hashed under a seed `Hasher` draws
/// per process, so crafted keys cannot flood it.
public struct ClientTable: Sendable {
    /// A key and its tally; a `kind` of 0 marks a free slot.
    struct Slot {
        var bits: UInt64 = 0
        var tally = LogReport.ClientTally()
        var kind: UInt8 = 0
    }

    /// A part of the table: the keys whose hash starts with its number.
    struct Shard {
        var slots = [Slot](repeating: Slot(), count: 16)
        var count = 0
    }

    /// A line's change to the tally of a key (24 bytes).
    typealias Change = (key: ClientKey, change: LogReport.ClientTally.Change)

    static let shardCount = 64
    private var shards = [Shard](repeating: Shard(), count: shardCount)
    /// Changes not made yet, in order.
    private var waiting: [Change] = []
    /// Bits of the slots a batch looked at: kept, so that the reads are made.
    private var looked: UInt64 = 0
    /// The seed of the keys' hashes, the same for every table of the process (chunks hash for their owners).
    static let seed: UInt64 = {
        var hasher = Hasher()
        hasher.combine(0)
        return UInt64(truncatingIfNeeded: hasher.finalize())
    }()

    /// How many changes wait before they are made.
    static let batch = 32

    /// Makes room for `count` keys at once.
    mutating func reserve(_ count: Int) {
        let size = count / Self.shardCount * 8 / 7 + 1
        for index in shards.indices where shards[index].slots.count < size { resize(index, to: size) }
    }

    /// The shard of a key's hash: its top bits (6 of them for 64 shards).
    static func shard(_ hash: Int) -> Int { Int(UInt64(UInt(bitPattern: hash)) >> UInt64(64 - shardCount.trailingZeroBitCount)) }

    /// The thread of `owners` that makes the changes to `key`'s tally when a log is read in chunks.
    static func owner(of key: ClientKey, among owners: Int) -> Int { shard(key.hash(seed: seed)) % owners }

    /// The slot of a key's hash in a shard of `size` slots: its low 32 bits scaled to the size.
    static func slot(_ hash: Int, size: Int) -> Int { Int((UInt64(UInt32(truncatingIfNeeded: hash)) &* UInt64(size)) >> 32) }

    /// Changes the tally of `key` (starting an empty one if it has none), now or with the batch it joins.
    mutating func update(_ key: ClientKey, _ change: LogReport.ClientTally.Change) {
        waiting.append((key, change))
        if waiting.count == Self.batch { makeWaitingChanges() }
    }

    /// Makes the changes that wait, in order.
    mutating func makeWaitingChanges() {
        for (key, _) in waiting {   // independent reads, their misses overlapping
            let hash = key.hash(seed: Self.seed), shard = Self.shard(hash)
            let slot = shards[shard].slots[Self.slot(hash, size: shards[shard].slots.count)]
            looked |= slot.bits | UInt64(slot.tally.earlyRetries)
        }
        for (key, change) in waiting {
            let (shard, index) = slot(of: key)
            shards[shard].slots[index].tally.apply(change)
        }
        waiting.removeAll(keepingCapacity: true)
    }

    /// The shard and slot of `key`, which it is given if it has none (its shard grown first if it is full).
    private mutating func slot(of key: ClientKey) -> (shard: Int, index: Int) {
        let hash = key.hash(seed: Self.seed), shard = Self.shard(hash)
        if (shards[shard].count + 1) * 8 > shards[shard].slots.count * 7 {
            resize(shard, to: shards[shard].slots.count + shards[shard].slots.count / 2)
        }
        let size = shards[shard].slots.count
        var index = Self.slot(hash, size: size)
        while shards[shard].slots[index].kind != 0
                && (shards[shard].slots[index].kind != key.kind || shards[shard].slots[index].bits != key.bits) {
            index = index + 1 == size ? 0 : index + 1
        }
        if shards[shard].slots[index].kind == 0 {
            (shards[shard].slots[index].bits, shards[shard].slots[index].kind) = (key.bits, key.kind)
            shards[shard].count += 1
        }
        return (shard, index)
    }

    /// Makes the changes `part` held for `owner` of `owners` (see `LogReport`'s `holdingClientChangesFor`)
    /// to the tallies this table holds as that owner (`owned(by:of:)`), in order.
    public mutating func apply(changesHeldBy part: LogReport, owner: Int, of owners: Int) {
        precondition(part.heldClientChanges.count == owners, "held for as many owners")
        for (key, change) in part.heldClientChanges[owner] { update(key, change) }
        makeWaitingChanges()
    }

    /// The shards `owner` of `owners` makes the changes to (every `owners`th), taken out of this table.
    public mutating func owned(by owner: Int, of owners: Int) -> ClientTable {
        var owned = ClientTable()
        makeWaitingChanges()
        for index in stride(from: owner, to: shards.count, by: owners) { swap(&owned.shards[index], &shards[index]) }
        return owned
    }

    /// Takes back the shards `owned(by:of:)` took out into `owned`.
    public mutating func takeBack(_ owned: ClientTable, owner: Int, of owners: Int) {
        var owned = owned
        owned.makeWaitingChanges()
        for index in stride(from: owner, to: shards.count, by: owners) { swap(&owned.shards[index], &shards[index]) }
    }

    /// Takes in `other`'s tallies, each following this table's of the same key.
    mutating func merge(_ other: ClientTable) {
        makeWaitingChanges()
        for (key, tally) in other.entries {
            let (shard, index) = slot(of: key)
            shards[shard].slots[index].tally.append(tally)
        }
    }

    /// The keys and their tallies, in no particular order (with every change made).
    var entries: some Sequence<(key: ClientKey, tally: LogReport.ClientTally)> {
        var table = self
        if !table.waiting.isEmpty { table.makeWaitingChanges() }   // copies the slots: only when changes wait
        return table.shards.lazy.flatMap { $0.slots.lazy.filter { $0.kind != 0 } }
            .map { (key: ClientKey(bits: $0.bits, kind: $0.kind), tally: $0.tally) }
    }

    /// Rehashes shard `index` into `size` slots.
    private mutating func resize(_ index: Int, to size: Int) {
        var grown = [Slot](repeating: Slot(), count: size)
        for slot in shards[index].slots where slot.kind != 0 {
            var target = Self.slot(ClientKey(bits: slot.bits, kind: slot.kind).hash(seed: Self.seed), size: size)
            while grown[target].kind != 0 { target = target + 1 == size ? 0 : target + 1 }
            grown[target] = slot
        }
        shards[index].slots = grown
    }
}
