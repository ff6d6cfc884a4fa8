/// The plugins the workbench ships. A built-in plugin is listed here once;
/// ``PluginRegistry/shared`` registers every entry.
public enum BuiltinPlugins {
    public static let all: [any Plugin.Type] = [
        LayerNormPlugin.self,
        SkipLayerNormPlugin.self,
        LinearPlugin.self,
        SwishPlugin.self,
        GeluPlugin.self,
        AttentionPlugin.self,
        GLUPlugin.self,
        RelPosAttentionPlugin.self,
        LengthMaskPlugin.self,
        DepthwiseConv1dPlugin.self,
        Conv2dSubsamplingPlugin.self,
    ]
}
