import Foundation

/// The HTTP paths of protocol v1, so server and client spell them the same way.
///
/// `workspace` is percent-encoded as a path segment. Push is `POST`, changes, schema and health are `GET`;
/// every path but `health` needs `Authorization: Bearer <token>` for that workspace.
public enum Route {
    public static let health = "/health"

    /// `POST`: body `PushRequest`, answer `PushResponse`.
    public static func push(workspace: String) -> String { "/v1/workspaces/\(segment(workspace))/push" }

    /// `GET` with `ChangesQuery.queryItems`: answer `ChangesResponse`.
    public static func changes(workspace: String) -> String { "/v1/workspaces/\(segment(workspace))/changes" }

    /// `GET`: answer `SchemaResponse`, the fields and entities the workspace declares.
    public static func schema(workspace: String) -> String { "/v1/workspaces/\(segment(workspace))/schema" }

    private static func segment(_ text: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/;")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
