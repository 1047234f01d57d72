@_exported import BertSlimSDK
