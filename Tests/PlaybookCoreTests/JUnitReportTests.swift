import Foundation
@testable import PlaybookCore
import Testing

/// `playbook test --junit`: the XML CI systems read — counts, one testcase per scenario, a
/// failure or an error with its messages, everything escaped.
@Suite struct JUnitReportTests {
    static let at = SourceLocation(file: "a.test.yaml", line: 12, column: 5)

    @Test func passFailAndErrorAreCountedAndReported() throws {
        let reports = [
            ScenarioRunner.Report(file: "ok.test.yaml", name: "all good", errors: [], failures: [], duration: 0.25),
            ScenarioRunner.Report(file: "a.test.yaml", name: "fires <late> & \"twice\"", errors: [], failures: [.error("fires_at: expected 15:42, got 15:45", at: Self.at)], duration: 0.5),
            ScenarioRunner.Report(file: "b.test.yaml", name: "broken", errors: [.error("playbook 'x.yaml' is invalid", at: Self.at)], failures: [], duration: 0),
        ]
        let xml = JUnitReport.xml(reports)
        #expect(xml.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"playbook test\" tests=\"3\" failures=\"1\" errors=\"1\" time=\"0.75\">"))
        #expect(xml.contains("<testcase name=\"all good\" classname=\"ok.test.yaml\" file=\"ok.test.yaml\" time=\"0.25\"/>"))
        #expect(xml.contains("name=\"fires &lt;late&gt; &amp; &quot;twice&quot;\""))
        #expect(xml.contains("<failure message=\"fires_at: expected 15:42, got 15:45\">a.test.yaml:12:5: fires_at: expected 15:42, got 15:45</failure>"))
        #expect(xml.contains("<error message=\"playbook &apos;x.yaml&apos; is invalid\">") || xml.contains("<error message=\"playbook 'x.yaml' is invalid\">"))
        // Well-formed: Python's XML parser reads it (as CI tools' parsers would).
        let parsed = try SchemaTests.run(["python3", "-c", "import sys, xml.etree.ElementTree as E; r = E.fromstring(sys.stdin.read()); print(len(r.iter('testcase').__next__().attrib))"], input: xml)
        #expect(parsed.status == 0, "\(parsed.error)")
    }

    @Test func noScenariosIsAnEmptySuite() {
        #expect(JUnitReport.xml([]).contains("<testsuite name=\"scenarios\" tests=\"0\" failures=\"0\" errors=\"0\" time=\"0.0\">"))
    }
}
