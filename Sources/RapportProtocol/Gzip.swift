import CZlib
import Foundation

/// `Content-Encoding: gzip` for request and response bodies, with the system's zlib.
///
/// JSON record versions repeat the same keys, replica ids and stamp prefixes, so gzip shrinks a
/// page several times over; on a phone's network that is most of a sync's time. Both directions
/// are negotiated (see `SyncOptions.compression` and the server's `Accept-Encoding`), never assumed.
public enum Gzip {
    /// Bodies smaller than this are sent as they are: gzip's header and the CPU cost buy nothing.
    public static let minimumSize = 1024

    /// A speed-leaning level: level 6 (zlib's default) costs about three times the CPU for a few
    /// percent on this kind of JSON.
    public static let defaultLevel: Int32 = 1

    /// Why a body could not be inflated.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// Not gzip, damaged, or cut short; says which.
        case invalid(String)
        /// It inflates to more than the limit it was given.
        case tooLarge(limit: Int)

        public var description: String {
            switch self {
            case .invalid(let text): text
            case .tooLarge(let limit): "the body inflates beyond \(limit) bytes"
            }
        }
    }

    /// `bytes` as one gzip member; nil if zlib failed (then send the bytes as they are).
    public static func compress(_ bytes: some ContiguousBytes, level: Int32 = defaultLevel) -> Data? {
        bytes.withUnsafeBytes { input -> Data? in
            var stream = z_stream()
            // windowBits 15 + 16: write a gzip header and trailer rather than zlib's.
            guard deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                                Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
            defer { deflateEnd(&stream) }
            let bound = Int(deflateBound(&stream, uLong(input.count)))
            var output = Data(count: bound)
            let written = output.withUnsafeMutableBytes { out -> Int in
                stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
                stream.avail_in = uInt(input.count)
                stream.next_out = out.bindMemory(to: Bytef.self).baseAddress
                stream.avail_out = uInt(out.count)
                // The output buffer holds deflateBound bytes, so one call finishes the stream.
                guard deflate(&stream, Z_FINISH) == Z_STREAM_END else { return -1 }
                return Int(stream.total_out)
            }
            guard written >= 0 else { return nil }
            output.count = written
            return output
        }
    }

    /// The content of a gzip (or zlib) stream, refusing to produce more than `limit` bytes, so a
    /// small hostile body cannot inflate into gigabytes ("zip bomb").
    public static func decompress(_ data: Data, limit: Int) throws(Failure) -> Data {
        var stream = z_stream()
        // windowBits 15 + 32: accept a gzip or a zlib header.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .invalid("the decompressor could not start")
        }
        defer { inflateEnd(&stream) }
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        // Data's closure API throws untyped errors, so the loop reports its failure as a value.
        let failure: Failure? = data.withUnsafeBytes { (input: UnsafeRawBufferPointer) -> Failure? in
            stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
            stream.avail_in = uInt(input.count)
            var status: Int32 = Z_OK
            repeat {
                let produced = chunk.withUnsafeMutableBytes { out -> Int in
                    stream.next_out = out.bindMemory(to: Bytef.self).baseAddress
                    stream.avail_out = uInt(out.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return out.count - Int(stream.avail_out)
                }
                guard status == Z_OK || status == Z_STREAM_END else { return .invalid("the body is not valid gzip data") }
                guard output.count + produced <= limit else { return .tooLarge(limit: limit) }
                output.append(contentsOf: chunk[0..<produced])
                if status == Z_OK, produced == 0, stream.avail_in == 0 { return .invalid("the gzip data ends early") }
            } while status != Z_STREAM_END
            return nil
        }
        if let failure { throw failure }
        guard stream.avail_in == 0 else { throw .invalid("the body has bytes after the gzip data") }
        return output
    }

    /// Whether an `Accept-Encoding` value lists gzip with a weight above zero (`gzip;q=0` refuses it).
    public static func isListed(in header: String?) -> Bool {
        guard let header else { return false }
        return header.split(separator: ",").contains { item in
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard parts.first == "gzip" || parts.first == "x-gzip" else { return false }
            guard let weight = parts.dropFirst().first(where: { $0.hasPrefix("q=") }) else { return true }
            return (Double(weight.dropFirst(2)) ?? 0) > 0
        }
    }
}
