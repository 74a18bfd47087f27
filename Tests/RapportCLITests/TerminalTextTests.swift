import Foundation
import Testing
@testable import rapport

/// The CLI's shared text and input rules, tested without a process: terminal widths, escaping,
/// table layout, date windows and negative numbers.
@Suite("terminal text and input rules")
struct TerminalTextTests {
    @Test("wide, emoji, combining and zero-width text is measured in terminal columns")
    func widths() {
        #expect(Terminal.width("abc") == 3)
        #expect(Terminal.width("日本語") == 6)
        #expect(Terminal.width("한국") == 4)
        #expect(Terminal.width("ｱＡ") == 3)                      // half-width katakana 1, fullwidth A 2
        #expect(Terminal.width("e\u{301}") == 1)                 // e + combining acute
        #expect(Terminal.width("a\u{200B}b") == 2)               // zero-width space
        #expect(Terminal.width("👍") == 2)
        #expect(Terminal.width("👩\u{200D}👩\u{200D}👧") == 2)   // one family, one cluster
        #expect(Terminal.width("🇫🇷") == 2)
        #expect(Terminal.width("❤\u{FE0F}") == 2)               // text heart shown as emoji
    }

    @Test("truncation keeps whole grapheme clusters and fits the columns, ending in an ellipsis")
    func truncation() {
        #expect(Terminal.truncate("short", to: 10) == "short")
        #expect(Terminal.truncate("abcdefghij", to: 5) == "abcd…")
        #expect(Terminal.truncate("日本語テキスト", to: 6) == "日本…")
        let family = "👩\u{200D}👩\u{200D}👧"
        #expect(Terminal.truncate(String(repeating: family, count: 5), to: 6) == family + family + "…")
        #expect(Terminal.width(Terminal.truncate(String(repeating: "e\u{301}漢", count: 20), to: 9)) <= 9)
    }

    @Test("control characters are written visibly, other text is untouched")
    func escaping() {
        #expect(Terminal.escape("plain 日本 é") == "plain 日本 é")
        #expect(Terminal.escape("a\nb\tc\rd") == #"a\nb\tc\rd"#)
        #expect(Terminal.escape("\u{1B}[2Jx") == #"\u{1B}[2Jx"#)
        #expect(Terminal.escape("\u{202E}evil") == #"\u{202E}evil"#)
        #expect(Terminal.escape("\u{9B}31m") == #"\u{9B}31m"#)
    }

    @Test("table columns line up by terminal width, not by character count")
    func tableLayout() {
        let lines = tableLines(["NAME", "N"], [["日本", "1"], ["e\u{301}", "2"], ["x\u{1B}", "3"]])
        // The escaped x\u{1B} is 7 columns, so NAME is 7 wide: 日本 takes 4 of them, é 1.
        #expect(lines == ["NAME     N", "───────  ─", "日本     1", "e\u{301}        2", #"x\u{1B}  3"#])
        // Cells are cut at 48 columns, except in the last column, which nothing follows.
        let long = String(repeating: "a", count: 60)
        let cut = tableLines(["A", "B"], [[long, long]])
        #expect(cut[2] == String(repeating: "a", count: 47) + "…  " + long)
    }

    @Test("dates must be real calendar days inside the window for what they mean")
    func dates() throws {
        let now = try parseDate("2026-11-27T12:00:00Z", option: "--at", window: .planning)
        #expect(try parseDate("2024-02-29", option: "--at", now: now) == DateComponents(calendar: utcCalendar, year: 2024, month: 2, day: 29).date)
        #expect(throws: CLIError.self) { try parseDate("2026-02-29", option: "--at", now: now) }
        #expect(throws: CLIError.self) { try parseDate("2026-04-31", option: "--at", now: now) }
        #expect(throws: CLIError.self) { try parseDate("1999-12-31", option: "--at", now: now) }
        #expect(throws: CLIError.self) { try parseDate("2026-11-29", option: "--at", now: now) }
        #expect(try parseDate("2026-11-28", option: "--at", now: now) > now)   // a time zone ahead is fine
        #expect(try parseDate("2036-11-01", option: "--from", window: .planning, now: now) > now)
        #expect(throws: CLIError.self) { try parseDate("2037-01-01", option: "--from", window: .planning, now: now) }
        #expect(try parseDate("2026-11-23T10:42:00+02:00", option: "--at", now: now) == parseDate("2026-11-23T08:42:00Z", option: "--at", now: now))
        #expect(throws: CLIError.self) { try parseDate("23/11/2026", option: "--at", now: now) }
        #expect(throws: CLIError.self) { try parsePeriod("2028", now: now) }
        #expect(try parsePeriod("2027-Q1", now: now).description == "2027-Q1")
    }

    @Test("negative numbers that are values are rewritten for the parser; option names and text are not")
    func negativeNumbers() {
        #expect(NegativeNumbers.rewrite(["measure", "nps", "-20", "--period", "2026"]) == ["measure", "nps", "\u{2212}20", "--period", "2026"])
        #expect(NegativeNumbers.rewrite(["kpi", "nps", "-1", "-2.5", "-1e3"]) == ["kpi", "nps", "\u{2212}1", "\u{2212}2.5", "\u{2212}1e3"])
        // After an option name the parser decides (`parsing: .unconditional`), after `--` it is a value already.
        #expect(NegativeNumbers.rewrite(["--arr", "-5", "--", "-3"]) == ["--arr", "-5", "--", "-3"])
        #expect(NegativeNumbers.rewrite(["-v", "-x1", "-.5"]) == ["-v", "-x1", "-.5"])
        #expect(SignedNumber(argument: "\u{2212}20")?.value == -20)
        #expect(SignedNumber(argument: "nan") == nil)
        #expect(SignedNumber(argument: "-inf") == nil)
    }
}
