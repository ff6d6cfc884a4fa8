import Foundation

/// Measured tactic times, kept across builds (`--timingCacheFile`), like
/// TensorRT's timing cache. Keys name the plugin (domain, name, version), a
/// hash of its attributes, the input shapes, the thread count and the
/// tactic, so a rebuild
/// skips every measurement it already has. Thread-safe.
public final class TimingCache: @unchecked Sendable {
    // @unchecked: all state is behind `lock`.
    private let lock = NSLock()
    private var entries: [String: Double] = [:]
    private var hitCount = 0
    private var missCount = 0

    /// An empty cache.
    public init() {}

    /// The cache stored at `url`; an absent file gives an empty cache.
    public init(contentsOf url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        let data = try Data(contentsOf: url)
        do {
            let file = try JSONDecoder().decode(File.self, from: data)
            entries = file.entries
        } catch {
            throw TimingCacheError.malformed(file: url.relativePath, reason: "\(error)")
        }
    }

    struct File: Codable {
        var format: String
        var entries: [String: Double]
    }

    /// Writes the cache as JSON, atomically.
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let data = lock.withLock { try? encoder.encode(File(format: "workbench.timing/1", entries: entries)) }
        try (data ?? Data("{}".utf8)).write(to: url, options: .atomic)
    }

    /// The measured milliseconds for `key`, counting a hit or a miss.
    public func lookup(_ key: String) -> Double? {
        lock.withLock {
            if let v = entries[key] { hitCount += 1; return v }
            missCount += 1
            return nil
        }
    }

    /// Records a measurement.
    public func record(_ key: String, milliseconds: Double) {
        lock.withLock { entries[key] = milliseconds }
    }

    /// Number of entries.
    public var count: Int { lock.withLock { entries.count } }
    /// The keys of all entries (plugin, attributes hash, shapes, `t<threads>`, tactic).
    public var keys: [String] { lock.withLock { Array(entries.keys) } }
    /// Lookups that found a measurement / that did not, since creation.
    public var hits: Int { lock.withLock { hitCount } }
    public var misses: Int { lock.withLock { missCount } }
}

/// A timing cache file that cannot be read.
public enum TimingCacheError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(file: String, reason: String)

    public var description: String {
        switch self {
        case .malformed(let f, let r): return "\(f): not a workbench timing cache: \(r)"
        }
    }
}
