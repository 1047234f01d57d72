// A minimal host compiled against a patched next-minor SDK: loads a plugin built against this one,
// makes its first component and uses a protocol requirement and a struct field that did not
// exist in that one. Prints what it saw, one fact per line.
import BertSlimSDK
import CBertSlimPlugin
import Foundation

struct Built: Decodable {
    static let factoryKey = CodingUserInfoKey(rawValue: "factory")!
    let value: Any
    init(from decoder: Decoder) throws {
        guard let factory = decoder.userInfo[Built.factoryKey] as? ComponentFactory else { throw CocoaError(.coderInvalidValue) }
        value = try factory.make(from: decoder, context: ComponentContext())
    }
}

guard let handle = dlopen(CommandLine.arguments[1], RTLD_NOW | RTLD_LOCAL),
      let symbol = dlsym(handle, "bertslim_plugin_entry"),
      let descriptor = unsafeBitCast(symbol, to: bertslim_plugin_entry_fn.self)(),
      let object = descriptor.pointee.make_factory?(descriptor, 0),
      let factory = Unmanaged<AnyObject>.fromOpaque(object).takeRetainedValue() as? ComponentFactory else {
    print("cannot load the plugin")
    exit(1)
}
print("host sdk \(SDKVersion.string), plugin sdk \(String(cString: descriptor.pointee.sdk_version))")
let decoder = JSONDecoder()
decoder.userInfo[Built.factoryKey] = factory
guard let loss = try decoder.decode(Built.self, from: Data(#"{"source": "logits"}"#.utf8)).value as? any Loss else {
    print("not a Loss")
    exit(1)
}
print("new requirement: \(loss.evolutionProbe)")
print("new field: \(ComponentContext().evolutionField)")
let ids = IntTensor(shape: [2, 1], scalars: [1, 1])
let value = try loss(student: ModelOutput(logits: Tensor(shape: [2, 3], scalars: [0.5, -1.25, 2.0, 0.25, 1.5, -0.75])),
                     teacher: ModelOutput(logits: Tensor(shape: [2, 3], scalars: [1.0, -0.5, 1.0, 0.0, 2.5, -1.5])),
                     batch: Batch(inputIDs: ids, attentionMask: ids, tokenTypeIDs: IntTensor(repeating: 0, shape: [2, 1])))
print("value: \(value.item)")
