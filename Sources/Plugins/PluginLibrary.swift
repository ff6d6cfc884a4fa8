import IR

/// The version a plugin library is built against, and that the loader checks.
///
/// The types a plugin library shares with the `workbench` binary (``Plugin``,
/// ``PluginCall``, ``Tensor``, the pass API) have no library evolution: any
/// release may change their layout. So a plugin loads only into the release it
/// was built with, and the plan format a release writes is part of the version
/// (a plan records each plugin's name and ``Plugin/version``; see `PlanFormat`).
public struct PluginABI: Sendable, Equatable, CustomStringConvertible {
    /// The workbench release, e.g. `0.1.0` (`workbench --version`).
    public var release: String
    /// The plan format version the release writes (`PlanFormat.version`).
    public var planFormat: Int
    /// The revision of the registration interface (``PluginRegistrar`` and the entry point).
    public var revision: Int

    /// An ABI description (the loader compares whole values).
    public init(release: String, planFormat: Int, revision: Int) {
        self.release = release
        self.planFormat = planFormat
        self.revision = revision
    }

    /// The ABI of the code that evaluates this property.
    ///
    /// Emitted into the calling module, so a plugin library reports the
    /// release it was compiled against, not the one it is loaded into. A test
    /// keeps these literals equal to `PlanFormat.workbenchRelease` and
    /// `PlanFormat.version`.
    @_alwaysEmitIntoClient
    public static var current: PluginABI { PluginABI(release: "0.1.0", planFormat: 1, revision: 1) }

    /// The ABI of this `workbench` build (the host side of the check).
    public static let host = PluginABI.current

    /// `workbench 0.1.0 (plan format 1, plugin ABI 1)`.
    public var description: String { "workbench \(release) (plan format \(planFormat), plugin ABI \(revision))" }
}

/// Errors of loading a plugin library with `--plugins`; each names the file and the flag.
public enum PluginLoadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The path does not exist.
    case missingFile(String)
    /// `dlopen` failed (not a shared library, a missing dependency, ...).
    case cannotOpen(String, reason: String)
    /// The library does not export ``PluginLoader/entryPointName``.
    case noEntryPoint(String)
    /// The library was built against another workbench release.
    case versionMismatch(String, plugin: PluginABI, host: PluginABI)
    /// The library carries its own copy of the plugin modules' types.
    case separateCopy(String, type: String)
    /// The library's registration code threw (or its entry point reported failure).
    case registrationFailed(String, reason: String)
    /// A plugin or pass name that is already taken.
    case duplicate(String, what: String, registeredBy: String)

    public var description: String {
        switch self {
        case .missingFile(let f): return "--plugins \(f): no such file"
        case .cannotOpen(let f, let r): return "--plugins \(f): cannot load the library: \(r)"
        case .noEntryPoint(let f):
            return "--plugins \(f): not a workbench plugin library: it does not export '\(PluginLoader.entryPointName)' "
                + "(declare it with @_cdecl(\"\(PluginLoader.entryPointName)\"))"
        case .versionMismatch(let f, let p, let h):
            return "--plugins \(f): built against \(p), but this is \(h); rebuild the plugin against this workbench"
        case .separateCopy(let f, let t):
            return "--plugins \(f): plugin \(t) conforms to its own copy of the Plugin protocol; "
                + "link the WorkbenchPlugins product dynamically (.product(name: \"WorkbenchPlugins\", package: \"workbench\"))"
        case .registrationFailed(let f, let r): return "--plugins \(f): registration failed: \(r)"
        case .duplicate(let f, let w, let by): return "--plugins \(f): \(w) is already registered (by \(by))"
        }
    }
}

/// What a plugin library's entry point receives: it adds the library's
/// plugins (and, through the Passes module, its graph passes) here.
///
/// Registrations are staged and take effect together once the entry point
/// returns without error, so a library that fails halfway registers nothing.
///
/// A plugin library's whole C-ABI surface is one function:
///
///     @_cdecl("workbench_register_plugins")
///     public func registerPlugins(_ registrar: UnsafeMutableRawPointer?) -> Int32 {
///         PluginRegistrar.register(registrar) { r in
///             try r.add(FastSwishPlugin.self)
///             try r.add(FastSwishFusion(), placement: .before("Swish"))
///         }
///     }
public final class PluginRegistrar: @unchecked Sendable {
    /// The registry plugins are added to.
    public let plugins: PluginRegistry
    /// The pass registry (a `PassRegistry` of the Passes module), if passes may be added.
    public let passes: AnyObject?
    /// The library being loaded, as given to `--plugins`.
    public let file: String
    /// The host's ABI.
    public let host: PluginABI

    /// One line per staged registration, e.g. `plugin com.example::FastSwish@1`.
    public private(set) var registered: [String] = []
    /// Staged plugin types (their names are checked for duplicates on staging).
    private(set) var pluginTypes: [any Plugin.Type] = []
    private var commits: [() -> Void] = []
    /// What went wrong inside ``register(_:abi:identity:_:)``; the loader throws it.
    var failure: PluginLoadError?
    let hostIdentity = ObjectIdentifier(PluginRegistrar.self)

    /// A registrar adding to `plugins` (and `passes`) on behalf of `file`.
    public init(plugins: PluginRegistry, passes: AnyObject? = nil, file: String, host: PluginABI = .host) {
        self.plugins = plugins
        self.passes = passes
        self.file = file
        self.host = host
    }

    /// Stages a plugin type; throws ``PluginLoadError/duplicate(_:what:registeredBy:)``
    /// when its domain and name are taken (built-in, another library, or this one).
    public func add(_ type: any Plugin.Type) throws {
        let what = "plugin \(type.domain)::\(type.name)"
        if plugins.type(domain: type.domain, name: type.name) != nil {
            throw PluginLoadError.duplicate(file, what: what, registeredBy: plugins.source(domain: type.domain, name: type.name) ?? "?")
        }
        if pluginTypes.contains(where: { $0.domain == type.domain && $0.name == type.name }) {
            throw PluginLoadError.duplicate(file, what: what, registeredBy: file)
        }
        pluginTypes.append(type)
        registered.append("plugin \(type.domain)::\(type.name)@\(type.version)")
        let registry = plugins, source = file
        commits.append { registry.register(type, source: source) }
    }

    /// Stages an action that runs when the whole registration succeeded (how
    /// other modules, such as Passes, add their kinds of registrations).
    public func stage(_ description: String, commit: @escaping () -> Void) {
        registered.append(description)
        commits.append(commit)
    }

    /// Applies every staged registration.
    func commit() {
        for c in commits { c() }
        commits = []
    }

    /// The body of a plugin library's entry point: checks the library's ABI
    /// against the host's, runs `body`, and returns 0 on success or 1 when the
    /// loader should report an error (which it finds in the registrar).
    ///
    /// Emitted into the plugin library, so `abi` and `identity` describe the
    /// library's build: a library compiled against another release, or one
    /// linking its own copy of these modules, is refused before `body` runs.
    @_alwaysEmitIntoClient
    public static func register(_ raw: UnsafeMutableRawPointer?, abi: PluginABI = .current,
                                identity: ObjectIdentifier = ObjectIdentifier(PluginRegistrar.self),
                                _ body: (PluginRegistrar) throws -> Void) -> Int32 {
        guard let raw else { return 2 }
        return enter(raw, abi: abi, identity: identity, body)
    }

    /// The host side of ``register(_:abi:identity:_:)``.
    public static func enter(_ raw: UnsafeMutableRawPointer, abi: PluginABI, identity: ObjectIdentifier,
                             _ body: (PluginRegistrar) throws -> Void) -> Int32 {
        let registrar = Unmanaged<PluginRegistrar>.fromOpaque(raw).takeUnretainedValue()
        guard abi == registrar.host else {
            registrar.failure = .versionMismatch(registrar.file, plugin: abi, host: registrar.host)
            return 1
        }
        guard identity == registrar.hostIdentity else {
            registrar.failure = .separateCopy(registrar.file, type: "PluginRegistrar")
            return 1
        }
        do {
            try body(registrar)
        } catch let error as PluginLoadError {
            registrar.failure = error
            return 1
        } catch {
            registrar.failure = .registrationFailed(registrar.file, reason: "\(error)")
            return 1
        }
        return 0
    }
}
