import Foundation

/// Reason phrases for the statuses a sync can meet, for answers that come without a readable body.
enum HTTPStatusText {
    static func phrase(_ status: Int) -> String {
        switch status {
        case 400: "bad request"
        case 401: "unauthorized"
        case 403: "forbidden"
        case 404: "not found"
        case 405: "method not allowed"
        case 409: "conflict"
        case 413: "payload too large"
        case 422: "unprocessable content"
        case 426: "upgrade required"
        case 429: "too many requests"
        case 500: "internal server error"
        case 502: "bad gateway"
        case 503: "service unavailable"
        case 504: "gateway timeout"
        default: "HTTP \(status)"
        }
    }
}
