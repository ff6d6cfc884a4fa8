import Passes
import Plugins

/// The library's one C-ABI entry point, which `workbench --plugins` looks up
/// with `dlsym`. ``PluginRegistrar/register(_:abi:identity:_:)`` checks that
/// this library was built against the loading workbench, then stages the
/// registrations; a thrown error becomes a one-line `--plugins` error.
@_cdecl("workbench_register_plugins")
public func workbenchRegisterPlugins(_ registrar: UnsafeMutableRawPointer?) -> Int32 {
    PluginRegistrar.register(registrar) { r in
        try r.add(FastSwishPlugin.self)
        try r.add(FastSwishFusion(), placement: .before("Swish"))
    }
}
