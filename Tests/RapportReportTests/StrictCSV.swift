import Foundation

/// A deliberately strict RFC 4180 reader for tests: every record ends with CRLF, a quote may appear
/// only around a field or doubled inside a quoted one, CR or LF only inside quotes, and every
/// record has as many fields as the header. Anything else throws, so a sloppy writer fails.
enum StrictCSV {
    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    static func parse(_ text: String) throws -> [[String]] {
        let scalars = Array(text.unicodeScalars)
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var index = 0
        func fail(_ why: String) -> Malformed { Malformed(description: "\(why) at scalar \(index)") }
        while index < scalars.count {
            // Start of a field.
            if scalars[index] == "\"" {
                index += 1
                while true {
                    guard index < scalars.count else { throw fail("unterminated quoted field") }
                    let scalar = scalars[index]
                    if scalar == "\"" {
                        if index + 1 < scalars.count, scalars[index + 1] == "\"" {
                            field.unicodeScalars.append("\"")
                            index += 2
                            continue
                        }
                        index += 1
                        break
                    }
                    field.unicodeScalars.append(scalar)
                    index += 1
                }
            } else {
                while index < scalars.count, scalars[index] != ",", scalars[index] != "\r" {
                    guard scalars[index] != "\"" else { throw fail("quote inside an unquoted field") }
                    guard scalars[index] != "\n" else { throw fail("bare LF") }
                    field.unicodeScalars.append(scalars[index])
                    index += 1
                }
            }
            // End of a field: a comma, or CRLF ending the record.
            guard index < scalars.count else { throw fail("last record not ended by CRLF") }
            if scalars[index] == "," {
                record.append(field)
                field = ""
                index += 1
                continue
            }
            guard scalars[index] == "\r", index + 1 < scalars.count, scalars[index + 1] == "\n" else { throw fail("expected , or CRLF after a field") }
            record.append(field)
            field = ""
            index += 2
            if let first = records.first, first.count != record.count { throw fail("record \(records.count) has \(record.count) fields, header has \(first.count)") }
            records.append(record)
            record = []
        }
        return records
    }
}
