import Foundation
@testable import RapportReport
import Testing

/// What a spreadsheet user relies on when opening an export: RFC 4180, UTF-8, no formulas run.
struct CSVTableTests {
    static let awkward = [
        "Acme, Inc.", "the \"big\" one", "line one\nline two", "cr\r\nlf", "Zoë 🚀 café", "=HYPERLINK(\"http://x\")",
        "+1", "-2 (typed)", "@SUM(A1)", "\tindented", "plain", "", " spaced ", "'quoted already",
    ]

    @Test func awkwardTextReadsBackExactlyThroughAStrictParser() throws {
        let table = CSVTable(header: ["n", "value"], rows: Self.awkward.enumerated().map { [.number(Double($0.offset)), .text($0.element)] })
        let records = try StrictCSV.parse(table.text)
        #expect(records.first == ["n", "value"])
        #expect(records.count == Self.awkward.count + 1)
        for (index, original) in Self.awkward.enumerated() {
            let read = records[index + 1][1]
            let startsLikeAFormula = original.unicodeScalars.first.map { "=+-@\t\r".unicodeScalars.contains($0) } ?? false
            // A formula-looking cell reads back with one leading apostrophe and nothing else changed.
            #expect(read == (startsLikeAFormula ? "'" + original : original), "row \(index)")
        }
    }

    @Test func everyLineEndsWithCRLFAndOnlyFieldsThatNeedItAreQuoted() {
        let table = CSVTable(header: ["a", "b"], rows: [[.text("x,y"), .text("plain")], [.text("say \"hi\""), .empty]])
        #expect(table.text == "a,b\r\n\"x,y\",plain\r\n\"say \"\"hi\"\"\",\r\n")
    }

    @Test func numbersAndDatesAreNeverTreatedAsFormulas() throws {
        let date = try Date("2026-11-23T10:42:00Z", strategy: Date.ISO8601FormatStyle())
        let table = CSVTable(header: ["n", "x", "d", "none"], rows: [[.number(-3.5), .number(250_000), .date(date), .number(nil)]])
        let row = try StrictCSV.parse(table.text)[1]
        #expect(row == ["-3.5", "250000", "2026-11-23T10:42:00Z", ""])
        #expect(Double(row[0]) == -3.5)
    }

    @Test func fractionsReadBackAsTheSameDouble() throws {
        let values = [0.1, 1.0 / 3.0, 0.07, 1e-9, -42.125, 12_345_678.9]
        let table = CSVTable(header: ["v"], rows: values.map { [.number($0)] })
        let read = try StrictCSV.parse(table.text).dropFirst().map { Double($0[0]) }
        #expect(read == values)
    }

    @Test func theByteOrderMarkIsOptionalAndTheRestIsUTF8() {
        let table = CSVTable(header: ["name"], rows: [[.text("Zoë 🚀")]])
        let withMark = table.encoded(byteOrderMark: true)
        let without = table.encoded(byteOrderMark: false)
        #expect(Array(withMark.prefix(3)) == [0xEF, 0xBB, 0xBF])
        #expect(withMark.dropFirst(3) == without)
        #expect(String(data: without, encoding: .utf8) == "name\r\nZoë 🚀\r\n")
    }

    @Test func theStrictParserUsedAboveRejectsWhatRFC4180Forbids() {
        for bad in ["a,b\n1,2\n", "a,b\r\n1,2", "a\r\nx\"y\r\n", "a\r\n\"open\r\n", "a,b\r\n1\r\n", "a\r\n\"q\"x\r\n"] {
            #expect(throws: StrictCSV.Malformed.self, "\(bad.debugDescription)") { try StrictCSV.parse(bad) }
        }
    }
}
