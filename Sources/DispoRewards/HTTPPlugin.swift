// A reward served over HTTP: each request is POSTed as its JSON object to the plugin's URL and answered
// with the reply object (PluginProtocol.swift). At most `workers` requests are in flight; each has the
// plugin's deadline. A failed call, a non-2xx status or a body that is not a reply fails the request with
// an error naming the URL and the request.

import DispoChannels
import DispoRollout
import DispoSupport

public final class HTTPRewardPlugin: RewardPlugin {
    public let name: String
    let url: String
    let timeout: Double
    let transport: any HTTPTransport
    private let slots: AsyncPool<Int>

    public init(name: String, url: String, timeout: Double, workers: Int, transport: (any HTTPTransport)? = nil) {
        self.name = name
        self.url = url
        self.timeout = timeout
        self.transport = transport ?? URLSessionTransport(connections: workers)
        slots = AsyncPool(Array(0..<workers))
    }

    public func score(_ request: RewardRequest) async throws -> RewardReply {
        let slot = try await slots.take()
        defer { slots.put(slot) }
        func fail(_ reason: String) -> RewardPluginError {
            RewardPluginError(plugin: "\(name) (\(url))", request: request.summary, reason: reason)
        }
        let reply: HTTPReply
        do {
            reply = try await transport.call(url, body: try JSONWriter.encode(request), timeout: timeout)
        } catch let failure as HTTPFailure {
            throw fail(failure.description)
        }
        let text = String(decoding: reply.body, as: UTF8.self)
        do {
            return try RewardReply.parse(text, plugin: url)
        } catch {
            throw fail("answered \(InputError.excerpt(text)), not {\"reward\": number, …}")
        }
    }

    public func shutdown() {}
}
