/// Counts of texts, at most `limit` distinct ones (the rest counted as one "other").
struct TextCounts: Sendable {
    static let limit = 1000
    private var counts: [String: Int] = [:]
    private(set) var total = 0
    private var others = 0

    mutating func add(_ text: String, count: Int = 1) {
        total += count
        if counts[text] != nil || counts.count < Self.limit { counts[text, default: 0] += count } else { others += count }
    }

    mutating func add(_ other: TextCounts) {
        for (text, count) in other.counts { add(text, count: count) }
        (total, others) = (total + other.others, others + other.others)
    }

    var sorted: [(text: String, count: Int)] {
        let list = counts.map { (text: $0.key, count: $0.value) }.sorted { $0.count != $1.count ? $0.count > $1.count : $0.text < $1.text }
        return others > 0 ? list + [(text: "(other kinds)", count: others)] : list
    }
}
