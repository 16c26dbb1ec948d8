// A small HTTP/1.1 server on SwiftNIO: NIOHTTP1 parses requests and writes responses, its aggregator
// collects each request body, and every request goes to one async handler. Connections are kept alive and
// served one request at a time each; many connections run at once. `shutdown()` stops accepting, lets the
// requests being handled finish, closes idle connections and returns when everything is closed.

import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

public struct HTTPRequest: Sendable {
    public var method: String
    /// The path without the query string.
    public var path: String
    public var body: [UInt8]
}

public struct HTTPResponse: Sendable {
    public var status: Int
    public var body: String
    public var contentType: String

    public init(status: Int, body: String, contentType: String = "application/json") {
        self.status = status; self.body = body; self.contentType = contentType
    }
}

public final class HTTPServer: Sendable {
    public typealias Handler = @Sendable (HTTPRequest) async -> HTTPResponse
    typealias Connection = NIOAsyncChannel<NIOHTTPServerRequestFull, HTTPServerResponsePart>

    private let listener: NIOAsyncChannel<Connection, Never>
    private let handler: Handler
    /// The port actually bound (useful with port 0).
    public let port: Int
    private let state = Mutex(State())

    struct State {
        var stopping = false
        var connections: [ObjectIdentifier: (channel: any Channel, busy: Bool)] = [:]
    }

    /// Binds `host:port` (port 0 picks a free port). Call `run()` to serve.
    public init(host: String, port: Int, maxBodyBytes: Int = 64 << 20, handler: @escaping Handler) async throws {
        self.handler = handler
        listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(NIOHTTPServerRequestAggregator(maxContentLength: maxBodyBytes))
                    return try Connection(wrappingChannelSynchronously: channel)
                }
            }
        self.port = listener.channel.localAddress?.port ?? port
    }

    /// Serves until `shutdown()`; returns when the listener and every connection are closed.
    public func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            try await listener.executeThenClose { inbound in
                for try await connection in inbound {
                    group.addTask { await self.serve(connection) }
                }
            }
        }
    }

    /// Stops accepting connections; idle connections close now, busy ones after their current response.
    public func shutdown() {
        let idle = state.withLock { s -> [any Channel] in
            s.stopping = true
            return s.connections.values.filter { !$0.busy }.map(\.channel)
        }
        listener.channel.close(promise: nil)
        for channel in idle { channel.close(promise: nil) }
    }

    private func serve(_ connection: Connection) async {
        let id = ObjectIdentifier(connection.channel)
        let accepted = state.withLock { s -> Bool in
            guard !s.stopping else { return false }
            s.connections[id] = (connection.channel, false)
            return true
        }
        defer { state.withLock { _ = $0.connections.removeValue(forKey: id) } }
        guard accepted else { connection.channel.close(promise: nil); return }
        try? await connection.executeThenClose { inbound, outbound in
            for try await request in inbound {
                state.withLock { $0.connections[id]?.busy = true }
                let response = await handler(HTTPRequest(method: request.head.method.rawValue,
                                                         path: String(request.head.uri.split(separator: "?", maxSplits: 1).first ?? ""),
                                                         body: request.body.map { Array($0.readableBytesView) } ?? []))
                let stopping = state.withLock { s -> Bool in s.connections[id]?.busy = false; return s.stopping }
                let keepAlive = request.head.isKeepAlive && !stopping
                try await write(response, to: outbound, version: request.head.version, keepAlive: keepAlive)
                if !keepAlive { return }
            }
        }
    }

    private func write(_ response: HTTPResponse, to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>,
                       version: HTTPVersion, keepAlive: Bool) async throws {
        let body = ByteBuffer(string: response.body)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(body.readableBytes))
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        try await outbound.write(.head(HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: response.status),
                                                        headers: headers)))
        try await outbound.write(.body(.byteBuffer(body)))
        try await outbound.write(.end(nil))
    }
}
