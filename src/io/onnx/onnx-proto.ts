/**
 * The ONNX messages an exported pipeline needs, as plain objects, and their protobuf encoding.
 * Field numbers are onnx.proto's (onnx 1.12, IR version 8); docs/MODEL_FORMAT.md "ONNX export" says
 * which operators the exporter writes.
 */
import { ProtoWriter } from './protobuf.js';

/** TensorProto.DataType values used here. */
export const ElemType = { FLOAT: 1, INT64: 7, STRING: 8 } as const;
export type ElemType = (typeof ElemType)[keyof typeof ElemType];

/** AttributeProto.AttributeType values used here. */
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_FLOATS = 6;
const ATTR_INTS = 7;
const ATTR_STRINGS = 8;

export type AttributeValue =
  { float: number } | { int: number } | { string: string } | { floats: ArrayLike<number> } | { ints: readonly number[] } | { strings: readonly string[] };

export interface NodeSpec {
  name: string;
  opType: string;
  /** '' is the default ONNX domain. */
  domain: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes: Readonly<Record<string, AttributeValue>>;
}

/** A tensor's name, element type and shape; a string dimension is symbolic (dim_param). */
export interface ValueInfoSpec {
  name: string;
  elemType: ElemType;
  shape: readonly (number | string)[];
  doc?: string;
}

export interface GraphSpec {
  name: string;
  doc: string;
  nodes: readonly NodeSpec[];
  inputs: readonly ValueInfoSpec[];
  outputs: readonly ValueInfoSpec[];
  /** Types of intermediate values that a checker cannot infer (GraphProto.value_info). */
  valueInfo: readonly ValueInfoSpec[];
}

export interface ModelSpec {
  irVersion: number;
  opsets: readonly { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  /** ModelProto.domain: the model's namespace (reverse-DNS style). */
  domain: string;
  doc: string;
  graph: GraphSpec;
  /** ModelProto.metadata_props, in this order. */
  metadata: readonly (readonly [string, string])[];
}

const utf8 = new TextEncoder();

function writeAttribute(w: ProtoWriter, name: string, value: AttributeValue): void {
  w.string(1, name);
  if ('float' in value) w.int(20, ATTR_FLOAT).float(2, value.float);
  else if ('int' in value) w.int(20, ATTR_INT).int(3, value.int);
  else if ('string' in value) w.int(20, ATTR_STRING).bytes(4, utf8.encode(value.string));
  else if ('floats' in value) {
    // onnx.proto is proto2 and does not mark these packed: one tag per element.
    w.int(20, ATTR_FLOATS);
    for (let i = 0; i < value.floats.length; i++) w.float(7, value.floats[i]!);
  } else if ('ints' in value) {
    w.int(20, ATTR_INTS);
    for (const v of value.ints) w.int(8, v);
  } else {
    w.int(20, ATTR_STRINGS);
    for (const s of value.strings) w.bytes(9, utf8.encode(s));
  }
}

function writeNode(w: ProtoWriter, node: NodeSpec): void {
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  w.string(3, node.name);
  w.string(4, node.opType);
  for (const [name, value] of Object.entries(node.attributes)) w.message(5, (a) => writeAttribute(a, name, value));
  if (node.domain !== '') w.string(7, node.domain);
}

function writeValueInfo(w: ProtoWriter, info: ValueInfoSpec): void {
  w.string(1, info.name);
  // TypeProto { tensor_type (1): Tensor { elem_type (1), shape (2): TensorShapeProto { dim (1) } } }
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, info.elemType);
      tensor.message(2, (shape) => {
        for (const d of info.shape) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
      });
    }),
  );
  if (info.doc !== undefined) w.string(3, info.doc);
}

function writeGraph(w: ProtoWriter, graph: GraphSpec): void {
  for (const node of graph.nodes) w.message(1, (n) => writeNode(n, node));
  w.string(2, graph.name);
  if (graph.doc !== '') w.string(10, graph.doc);
  for (const input of graph.inputs) w.message(11, (v) => writeValueInfo(v, input));
  for (const output of graph.outputs) w.message(12, (v) => writeValueInfo(v, output));
  for (const info of graph.valueInfo) w.message(13, (v) => writeValueInfo(v, info));
}

/** The ModelProto bytes of `model`: what a .onnx file holds. */
export function encodeModel(model: ModelSpec): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, model.irVersion);
  w.string(2, model.producerName);
  w.string(3, model.producerVersion);
  w.string(4, model.domain);
  if (model.doc !== '') w.string(6, model.doc);
  w.message(7, (g) => writeGraph(g, model.graph));
  for (const opset of model.opsets) {
    w.message(8, (o) => {
      if (opset.domain !== '') o.string(1, opset.domain);
      o.int(2, opset.version);
    });
  }
  for (const [key, value] of model.metadata) w.message(14, (e) => e.string(1, key).string(2, value));
  return w.finish();
}
