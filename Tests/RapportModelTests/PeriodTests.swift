import Testing
import RapportModel

struct PeriodTests {
    @Test("Years, quarters and months cover the right UTC instants", arguments: [
        ("2026", "2026-01-01", "2027-01-01"),
        ("2026-Q1", "2026-01-01", "2026-04-01"),
        ("2026-Q3", "2026-07-01", "2026-10-01"),
        ("2026-Q4", "2026-10-01", "2027-01-01"),
        ("2026-11", "2026-11-01", "2026-12-01"),
        ("2026-12", "2026-12-01", "2027-01-01"),
        ("2024-02", "2024-02-01", "2024-03-01"),
    ])
    func boundaries(text: String, start: String, end: String) throws {
        let period = try Period(text)
        #expect(period.start == utc(start))
        #expect(period.end == utc(end))
        #expect(period.description == text)
    }

    @Test("The end instant belongs to the next period, not this one")
    func endIsExclusive() throws {
        let q3 = try Period("2026-Q3")
        #expect(q3.contains(utc("2026-07-01")))
        #expect(q3.contains(utc("2026-09-30T23:59:59Z")))
        #expect(!q3.contains(utc("2026-10-01")))
    }

    @Test("A lowercase quarter letter is accepted and written back in capitals")
    func lowercaseQuarter() throws {
        #expect(try Period("2026-q2") == Period("2026-Q2"))
        #expect(try Period("2026-q2").description == "2026-Q2")
    }

    @Test("Other text is refused with a message that shows the accepted forms", arguments: [
        "", "26", "2026-", "2026-Q5", "2026-Q0", "2026-13", "2026-00", "2026-1", "2026-011", "2026/11",
        "2026-11-01", "+2026", "Q3-2026", "0000", "２０２６",
    ])
    func refusesInvalid(text: String) {
        let error = #expect(throws: ScorecardError.self) { try Period(text) }
        #expect(error?.code == .invalidPeriod)
        #expect(error?.message.contains("2026-Q3") == true)
        #expect(error?.message.contains("2026-11") == true)
    }

    @Test("Periods order by start, and a year after its first quarter and month")
    func ordering() throws {
        let sorted = try ["2027", "2026-Q2", "2026", "2026-01", "2026-Q1", "2025-12"].map(Period.init).sorted()
        #expect(sorted.map(\.description) == ["2025-12", "2026-01", "2026-Q1", "2026", "2026-Q2", "2027"])
    }
}
