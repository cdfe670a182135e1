import Greylist

/// Prometheus' text exposition format (version 0.0.4), as node_exporter's textfile collector reads it: each
/// metric family once, `# HELP` and `# TYPE` first, then its samples, label values escaped.
public struct PrometheusText: Sendable {
    /// A metric family's type.
    public enum MetricType: String, Sendable {
        case gauge, counter, summary, histogram
    }

    /// The text so far.
    public private(set) var text = ""

    /// An empty exposition.
    public init() {}

    /// Starts the family `name` (`[a-zA-Z_:][a-zA-Z0-9_:]*`, the caller's constant) with its help text.
    public mutating func family(_ name: String, _ type: MetricType, help: String) {
        precondition(Self.isMetricName(name), "not a metric name: \(name)")
        var escaped = ""
        for character in help {
            switch character {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        text += "# HELP \(name) \(escaped)\n# TYPE \(name) \(type.rawValue)\n"
    }

    /// A gauge family of one sample without labels.
    public mutating func gauge(_ name: String, help: String, _ value: Int64) {
        family(name, .gauge, help: help)
        sample(name, [], value)
    }

    /// One sample: `name{label="value",...} value`.
    public mutating func sample(_ name: String, _ labels: [(name: String, value: String)] = [], _ value: Int64) {
        sample(name, labels, formatted: "\(value)")
    }

    /// One sample whose value is `milliseconds` / 1000 (a duration), written with three decimals.
    public mutating func sample(_ name: String, _ labels: [(name: String, value: String)] = [], milliseconds: Int64) {
        let sign = milliseconds < 0 ? "-" : "", magnitude = milliseconds.magnitude
        let fraction = "\(magnitude % 1000)"
        sample(name, labels, formatted: "\(sign)\(magnitude / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)")
    }

    /// One sample with a value already in the format's spelling (`+Inf`, say).
    public mutating func sample(_ name: String, _ labels: [(name: String, value: String)], formatted value: String) {
        precondition(Self.isMetricName(name), "not a metric name: \(name)")
        text += name
        if !labels.isEmpty {
            text += "{"
            for (index, label) in labels.enumerated() {
                precondition(Self.isMetricName(label.name) && !label.name.hasPrefix("__") && !label.name.contains(":"))
                text += (index == 0 ? "" : ",") + label.name + "=\"" + Self.escapedLabelValue(label.value) + "\""
            }
            text += "}"
        }
        text += " " + value + "\n"
    }

    /// A label value with backslash, double quote and newline escaped, as the format requires.
    public static func escapedLabelValue(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// Whether `name` is a valid metric name.
    public static func isMetricName(_ name: String) -> Bool {
        var first = true
        for byte in name.utf8 {
            let letter = (0x41...0x5a).contains(byte) || (0x61...0x7a).contains(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":")
            guard letter || !first && (0x30...0x39).contains(byte) else { return false }
            first = false
        }
        return !first
    }
}
