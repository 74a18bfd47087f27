import Hummingbird

/// The request context of the sync server: Hummingbird's core storage plus the body limit.
///
/// `maxUploadSize` is stored rather than Hummingbird's fixed 2 MiB default, and
/// `UploadLimitMiddleware` sets it from `ServerConfiguration.maxBodyBytes`, so every body read,
/// ours or Hummingbird's, obeys the one configured limit.
public struct RapportRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var maxUploadSize: Int

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.maxUploadSize = ServerConfiguration.defaultMaxBodyBytes
    }
}
