/// The JUnit XML report of `playbook test --junit FILE`, as CI systems read it.
public enum JUnitReport {
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    public static func xml(_ reports: [ScenarioRunner.Report]) -> String {
        let failures = reports.filter { !$0.failures.isEmpty && $0.errors.isEmpty }.count
        let errors = reports.filter { !$0.errors.isEmpty }.count
        let time = reports.reduce(0) { $0 + $1.duration }
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"playbook test\" tests=\"\(reports.count)\" failures=\"\(failures)\" errors=\"\(errors)\" time=\"\(time)\">\n"
        out += "  <testsuite name=\"scenarios\" tests=\"\(reports.count)\" failures=\"\(failures)\" errors=\"\(errors)\" time=\"\(time)\">\n"
        for report in reports {
            out += "    <testcase name=\"\(escape(report.name))\" classname=\"\(escape(report.file))\" file=\"\(escape(report.file))\" time=\"\(report.duration)\""
            if report.passed {
                out += "/>\n"
                continue
            }
            out += ">\n"
            let (tag, list) = report.errors.isEmpty ? ("failure", report.failures) : ("error", report.errors)
            let body = list.map { "\($0.location): \($0.message)" }.joined(separator: "\n")
            out += "      <\(tag) message=\"\(escape(list.first?.message ?? ""))\">\(escape(body))</\(tag)>\n"
            out += "    </testcase>\n"
        }
        out += "  </testsuite>\n</testsuites>\n"
        return out
    }
}
