import Greylist
import GreylistAdmin
import Testing

@Suite struct PrometheusTextTests {
    @Test func familiesSamplesAndEscapes() {
        var out = PrometheusText()
        out.family("cqgreylist_x_seconds", .gauge, help: "A back\\slash\nand a newline.")
        out.sample("cqgreylist_x_seconds", [("path", "a\"b\\c\nd"), ("state", "pending")], 42)
        out.sample("cqgreylist_x_seconds", milliseconds: 1005)
        out.sample("cqgreylist_x_seconds", milliseconds: 12)
        #expect(out.text == """
            # HELP cqgreylist_x_seconds A back\\\\slash\\nand a newline.
            # TYPE cqgreylist_x_seconds gauge
            cqgreylist_x_seconds{path="a\\"b\\\\c\\nd",state="pending"} 42
            cqgreylist_x_seconds 1.005
            cqgreylist_x_seconds 0.012

            """)
    }

    @Test(arguments: [("cqgreylist_records", true), ("a:b_c9", true), ("9a", false), ("", false), ("a-b", false), ("ä", false)])
    func metricNames(_ name: String, _ valid: Bool) {
        #expect(PrometheusText.isMetricName(name) == valid)
    }
}
