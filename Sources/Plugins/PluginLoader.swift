import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Loads plugin libraries (`--plugins lib.so`): `dlopen`, find the entry
/// point, let it register, check what it registered, commit.
///
/// A library stays loaded for the life of the process (Swift images cannot be
/// unloaded safely), including one whose registration failed.
public enum PluginLoader {
    /// The one C-ABI symbol a plugin library exports.
    public static let entryPointName = "workbench_register_plugins"

    /// `int32_t workbench_register_plugins(void *registrar)`: 0 on success.
    public typealias EntryPoint = @convention(c) (UnsafeMutableRawPointer?) -> Int32

    /// Loads the library at `path` and registers its plugins into `plugins`
    /// and its passes into `passes` (a `PassRegistry`); returns one line per
    /// registration. Throws a ``PluginLoadError`` naming the file.
    public static func load(_ path: String, plugins: PluginRegistry = .shared,
                            passes: AnyObject? = nil) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw PluginLoadError.missingFile(path)
        }
        // An absolute path, so dlopen does not search the library path for a bare name.
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        guard let handle = dlopen(absolute, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown dlopen error"
            throw PluginLoadError.cannotOpen(path, reason: reason)
        }
        guard let symbol = dlsym(handle, entryPointName) else { throw PluginLoadError.noEntryPoint(path) }
        return try register(unsafeBitCast(symbol, to: EntryPoint.self), file: path, plugins: plugins, passes: passes)
    }

    /// Runs an entry point (a loaded library's, or one linked into the
    /// process) with a fresh registrar and commits what it staged.
    public static func register(_ entry: EntryPoint, file: String, plugins: PluginRegistry = .shared,
                                passes: AnyObject? = nil) throws -> [String] {
        let registrar = PluginRegistrar(plugins: plugins, passes: passes, file: file)
        let status = withExtendedLifetime(registrar) { entry(Unmanaged.passUnretained(registrar).toOpaque()) }
        if let failure = registrar.failure { throw failure }
        guard status == 0 else {
            throw PluginLoadError.registrationFailed(file, reason: "the entry point returned \(status)")
        }
        // The conformance lookup finds only conformances to this image's Plugin protocol:
        // a library with its own copy of the module fails here instead of at the first cast.
        for type in registrar.pluginTypes where !conformsToHostPlugin(type) {
            throw PluginLoadError.separateCopy(file, type: "\(type.domain)::\(type.name)")
        }
        registrar.commit()
        return registrar.registered
    }

    /// True when the runtime finds `type`'s conformance to this image's ``Plugin``.
    static func conformsToHostPlugin(_ type: any Plugin.Type) -> Bool {
        let erased: Any.Type = type
        return erased as? any Plugin.Type != nil
    }
}
