import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The report page read back with an XML parser: proof that it is well-formed, and a way to ask
/// what a reader sees (text by element id, elements by class) instead of grepping markup.
final class ParsedPage: NSObject, XMLParserDelegate {
    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    private(set) var textByID: [String: String] = [:]
    private(set) var allText = ""
    private(set) var elements: [(name: String, attributes: [String: String])] = []
    private var openIDs: [String?] = []

    init(_ html: String) throws {
        super.init()
        let parser = XMLParser(data: Data(html.utf8))
        parser.delegate = self
        parser.shouldResolveExternalEntities = false
        guard parser.parse() else {
            throw Malformed(description: "not well-formed XML: \(parser.parserError.map(String.init(describing:)) ?? "?") at line \(parser.lineNumber), column \(parser.columnNumber)")
        }
    }

    func elements(withClass name: String) -> [[String: String]] {
        elements.filter { ($0.attributes["class"] ?? "").split(separator: " ").contains(Substring(name)) }.map(\.attributes)
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        elements.append((elementName, attributes))
        openIDs.append(attributes["id"])
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        openIDs.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        allText += string
        for case let id? in openIDs { textByID[id, default: ""] += string }
    }
}
