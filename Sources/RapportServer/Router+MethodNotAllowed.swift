import Hummingbird

extension Router where Context == RapportRequestContext {
    /// Answers every other method at `path` with 405 and an `Allow` header naming `allowed`.
    ///
    /// Hummingbird answers a known path with an unknown method as 404; HTTP (and the protocol) say
    /// 405, so a client that used the wrong method learns which one to use. QUERY (an IETF draft
    /// method) is listed because API fuzzers and some clients send it.
    func refuseOtherMethods(at path: RouterPath, allowed: HTTPRequest.Method) {
        let methods: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete, .options, .trace] + [HTTPRequest.Method("QUERY")].compactMap { $0 }
        for method in methods where method != allowed {
            on(path, method: method) { request, _ -> Response in
                throw APIError.methodNotAllowed(request.method, allowed: [allowed])
            }
        }
    }
}
