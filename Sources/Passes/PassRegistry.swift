import Foundation
import IR
import Plugins

/// Where a registered pass runs among the surgeon's fusions.
public enum PassPlacement: Sendable, Equatable, CustomStringConvertible {
    /// Before every fusion (after folding and CSE).
    case first
    /// After every fusion.
    case last
    /// Just before the fusion named so (a built-in one such as `Swish`, or a registered one).
    case before(String)
    /// Just after the fusion named so.
    case after(String)

    public var description: String {
        switch self {
        case .first: return "first"
        case .last: return "last"
        case .before(let n): return "before \(n)"
        case .after(let n): return "after \(n)"
        }
    }
}

/// Graph passes added from outside the Passes module (a plugin library's
/// fusion that inserts its plugin). The surgeon runs them with its own
/// fusions, at their ``PassPlacement``, and `--fuse` accepts their names.
///
/// Thread-safe; `--plugins` registers into ``shared``.
public final class PassRegistry: @unchecked Sendable {
    /// The process-wide registry the surgeon and the builder use by default.
    public static let shared = PassRegistry()

    /// One registered pass.
    public struct Entry: Sendable {
        public var pass: any GraphPass
        public var placement: PassPlacement
        /// Who registered it (the `--plugins` library).
        public var source: String
    }

    private let lock = NSLock()
    private var registered: [Entry] = []

    /// An empty registry.
    public init() {}

    /// Every registered pass, in registration order.
    public var entries: [Entry] {
        lock.lock(); defer { lock.unlock() }
        return registered
    }

    /// Adds `pass`; throws when its name is taken or its anchor is unknown.
    public func register(_ pass: any GraphPass, placement: PassPlacement = .last, source: String = "built-in") throws {
        try check(pass, placement, file: source)
        lock.lock(); defer { lock.unlock() }
        registered.append(Entry(pass: pass, placement: placement, source: source))
    }

    /// Throws when `pass` cannot be registered as given.
    func check(_ pass: any GraphPass, _ placement: PassPlacement, file: String, staged: [String] = []) throws {
        let builtins = Surgeon.fusions.map(\.name)
        let taken = entries.map { ($0.pass.name, $0.source) } + builtins.map { ($0, "built-in") } + staged.map { ($0, file) }
        if let hit = taken.first(where: { $0.0 == pass.name }) {
            throw PluginLoadError.duplicate(file, what: "pass \(pass.name)", registeredBy: hit.1)
        }
        switch placement {
        case .first, .last: return
        case .before(let anchor), .after(let anchor):
            guard taken.contains(where: { $0.0 == anchor }) else {
                throw PluginLoadError.registrationFailed(file, reason:
                    "pass \(pass.name) is placed \(placement), but there is no fusion '\(anchor)' (known: \(taken.map(\.0).joined(separator: ", ")))")
            }
        }
    }

    /// The names of the surgeon's fusions with this registry's passes in place, in the order they run.
    public var fusionOrder: [String] { arranged(Surgeon.fusions).map(\.name) }

    /// `builtins` with the registered passes inserted at their placements
    /// (an anchor that is itself registered is resolved in registration order).
    func arranged(_ builtins: [any GraphPass]) -> [any GraphPass] {
        var list = builtins
        var tail: [any GraphPass] = []
        var head: [any GraphPass] = []
        for e in entries {
            switch e.placement {
            case .first: head.append(e.pass)
            case .last: tail.append(e.pass)
            case .before(let a), .after(let a):
                guard let i = list.firstIndex(where: { $0.name == a }) else { tail.append(e.pass); continue }
                if case .before = e.placement { list.insert(e.pass, at: i) } else { list.insert(e.pass, at: i + 1) }
            }
        }
        return head + list + tail
    }
}

extension PluginRegistrar {
    /// Stages a graph pass of the library being loaded, to run at `placement`
    /// among the surgeon's fusions (e.g. `.before("Swish")` to claim the
    /// pattern the built-in Swish fusion would otherwise take).
    public func add(_ pass: any GraphPass, placement: PassPlacement = .last) throws {
        guard let registry = passes as? PassRegistry else {
            throw PluginLoadError.registrationFailed(file, reason: "pass \(pass.name): this loader takes no passes")
        }
        let staged = registered.compactMap { $0.hasPrefix("pass ") ? String($0.dropFirst(5).prefix { $0 != " " }) : nil }
        try registry.check(pass, placement, file: file, staged: staged)
        let source = file
        stage("pass \(pass.name) (\(placement))") {
            registry.appendChecked(PassRegistry.Entry(pass: pass, placement: placement, source: source))
        }
    }
}

extension PassRegistry {
    /// Appends an entry ``check(_:_:file:staged:)`` accepted.
    func appendChecked(_ entry: Entry) {
        lock.lock(); defer { lock.unlock() }
        registered.append(entry)
    }
}
