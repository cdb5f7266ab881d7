// Pickle opcodes (the byte values of CPython's pickle protocol 0 to 5) and
// how this reader treats each one.
#pragma once

#include <cstdint>

namespace tessera::pickle_format {

enum Op : uint8_t {
  kMark = '(', kStop = '.', kPop = '0', kPopMark = '1', kDup = '2',
  kFloat = 'F', kInt = 'I', kBinInt = 'J', kBinInt1 = 'K', kLong = 'L', kBinInt2 = 'M',
  kNone = 'N', kPersId = 'P', kBinPersId = 'Q', kReduce = 'R', kString = 'S',
  kBinString = 'T', kShortBinString = 'U', kUnicode = 'V', kBinUnicode = 'X',
  kAppend = 'a', kBuild = 'b', kGlobal = 'c', kDict = 'd', kEmptyDict = '}', kAppends = 'e',
  kGet = 'g', kBinGet = 'h', kInst = 'i', kLongBinGet = 'j', kList = 'l', kEmptyList = ']',
  kObj = 'o', kPut = 'p', kBinPut = 'q', kLongBinPut = 'r', kSetItem = 's', kTuple = 't',
  kEmptyTuple = ')', kSetItems = 'u', kBinFloat = 'G',
  // protocol 2
  kProto = 0x80, kNewObj = 0x81, kExt1 = 0x82, kExt2 = 0x83, kExt4 = 0x84, kTuple1 = 0x85,
  kTuple2 = 0x86, kTuple3 = 0x87, kNewTrue = 0x88, kNewFalse = 0x89, kLong1 = 0x8a, kLong4 = 0x8b,
  // protocol 3
  kBinBytes = 'B', kShortBinBytes = 'C',
  // protocol 4
  kShortBinUnicode = 0x8c, kBinUnicode8 = 0x8d, kBinBytes8 = 0x8e, kEmptySet = 0x8f,
  kAddItems = 0x90, kFrozenSet = 0x91, kNewObjEx = 0x92, kStackGlobal = 0x93, kMemoize = 0x94,
  kFrame = 0x95,
  // protocol 5
  kByteArray8 = 0x96, kNextBuffer = 0x97, kReadOnlyBuffer = 0x98,
};

enum class OpClass {
  kUnknown,    // not a pickle opcode at all
  kAllowed,    // data, memo, stack and framing opcodes this reader executes
  kCode,       // imports or calls code (GLOBAL, REDUCE, ...): always refused
  kContainer,  // builds sets, tuples or nested lists, which a table cannot hold
  kBuffer,     // protocol 5 out-of-band buffers
};

// "STACK_GLOBAL" etc.; nullptr for a byte that is no opcode.
const char* op_name(uint8_t op);
OpClass op_class(uint8_t op);

}  // namespace tessera::pickle_format
