import protobuf from 'protobufjs';

/**
 * The subset of TensorBoard's protocol buffers gc-run writes, with TensorBoard's own field numbers
 * (tensorboard/compat/proto/event.proto, summary.proto, tensor.proto, tensor_shape.proto and
 * plugins/hparams/{api,plugin_data}.proto). Encoded with protobufjs; fields not listed are ones
 * gc-run never sets.
 */
const descriptor = {
  nested: {
    google: {
      nested: {
        protobuf: {
          nested: {
            Value: {
              oneofs: { kind: { oneof: ['nullValue', 'numberValue', 'stringValue', 'boolValue', 'listValue'] } },
              fields: {
                nullValue: { type: 'int32', id: 1 },
                numberValue: { type: 'double', id: 2 },
                stringValue: { type: 'string', id: 3 },
                boolValue: { type: 'bool', id: 4 },
                listValue: { type: 'ListValue', id: 6 },
              },
            },
            ListValue: { fields: { values: { rule: 'repeated', type: 'Value', id: 1 } } },
          },
        },
      },
    },
    tensorboard: {
      nested: {
        Event: {
          oneofs: { what: { oneof: ['fileVersion', 'summary', 'sessionLog'] } },
          fields: {
            wallTime: { type: 'double', id: 1 },
            step: { type: 'int64', id: 2 },
            fileVersion: { type: 'string', id: 3 },
            summary: { type: 'Summary', id: 5 },
            sessionLog: { type: 'SessionLog', id: 7 },
          },
        },
        SessionLog: {
          fields: { status: { type: 'int32', id: 1 }, checkpointPath: { type: 'string', id: 2 }, msg: { type: 'string', id: 3 } },
        },
        Summary: {
          fields: { value: { rule: 'repeated', type: 'Value', id: 1 } },
          nested: {
            Value: {
              fields: {
                tag: { type: 'string', id: 1 },
                simpleValue: { type: 'float', id: 2 },
                tensor: { type: 'TensorProto', id: 8 },
                metadata: { type: 'SummaryMetadata', id: 9 },
              },
            },
          },
        },
        SummaryMetadata: {
          fields: { pluginData: { type: 'PluginData', id: 1 }, displayName: { type: 'string', id: 2 }, dataClass: { type: 'int32', id: 4 } },
          nested: { PluginData: { fields: { pluginName: { type: 'string', id: 1 }, content: { type: 'bytes', id: 2 } } } },
        },
        TensorProto: {
          fields: {
            dtype: { type: 'int32', id: 1 },
            tensorShape: { type: 'TensorShapeProto', id: 2 },
            floatVal: { rule: 'repeated', type: 'float', id: 5, options: { packed: true } },
          },
        },
        TensorShapeProto: {
          fields: { dim: { rule: 'repeated', type: 'Dim', id: 2 } },
          nested: { Dim: { fields: { size: { type: 'int64', id: 1 } } } },
        },
        hparams: {
          nested: {
            HParamsPluginData: {
              oneofs: { data: { oneof: ['experiment', 'sessionStartInfo', 'sessionEndInfo'] } },
              fields: {
                version: { type: 'int32', id: 1 },
                experiment: { type: 'Experiment', id: 2 },
                sessionStartInfo: { type: 'SessionStartInfo', id: 3 },
                sessionEndInfo: { type: 'SessionEndInfo', id: 4 },
              },
            },
            SessionStartInfo: {
              fields: {
                hparams: { keyType: 'string', type: 'google.protobuf.Value', id: 1 },
                groupName: { type: 'string', id: 4 },
                startTimeSecs: { type: 'double', id: 5 },
              },
            },
            SessionEndInfo: { fields: { status: { type: 'int32', id: 1 }, endTimeSecs: { type: 'double', id: 2 } } },
            Experiment: {
              fields: {
                description: { type: 'string', id: 1 },
                timeCreatedSecs: { type: 'double', id: 3 },
                hparamInfos: { rule: 'repeated', type: 'HParamInfo', id: 4 },
                metricInfos: { rule: 'repeated', type: 'MetricInfo', id: 5 },
                name: { type: 'string', id: 6 },
              },
            },
            HParamInfo: {
              fields: {
                name: { type: 'string', id: 1 },
                displayName: { type: 'string', id: 2 },
                type: { type: 'int32', id: 4 },
                domainDiscrete: { type: 'google.protobuf.ListValue', id: 5 },
                differs: { type: 'bool', id: 7 },
              },
            },
            MetricInfo: { fields: { name: { type: 'MetricName', id: 1 }, displayName: { type: 'string', id: 3 } } },
            MetricName: { fields: { group: { type: 'string', id: 1 }, tag: { type: 'string', id: 2 } } },
          },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(descriptor);

export const EventType = root.lookupType('tensorboard.Event');
export const HParamsPluginDataType = root.lookupType('tensorboard.hparams.HParamsPluginData');

/** TensorFlow DataType enum values used here. */
export const DT_FLOAT = 1;
/** SummaryMetadata.DataClass: a scalar time series. */
export const DATA_CLASS_SCALAR = 1;
/** SessionLog.SessionStatus.START: TensorBoard drops the run's data at steps ≥ this event's step. */
export const SESSION_LOG_START = 1;
/** hparams Status enum. */
export const HPARAMS_STATUS = { unknown: 0, success: 1, failure: 2, running: 3 } as const;
/** hparams DataType enum. */
export const HPARAMS_TYPE = { string: 1, bool: 2, float64: 3 } as const;

/** A google.protobuf.Value for a swept value (numbers, strings, booleans; anything else as JSON text). */
export function protoValue(v: unknown): Record<string, unknown> {
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'string') return { stringValue: v };
  return { stringValue: JSON.stringify(v) };
}

/** One Event message, serialised. `event` uses the camelCase field names above. */
export function encodeEvent(event: Record<string, unknown>): Uint8Array {
  return EventType.encode(EventType.fromObject(event)).finish();
}

/** Step and kind of a serialised Event (what a resumed run needs to cut a file back). */
export function decodeEventStep(bytes: Uint8Array): { step: number; fileVersion: boolean } {
  const e = EventType.toObject(EventType.decode(bytes), { longs: Number }) as { step?: number; fileVersion?: string };
  return { step: e.step ?? 0, fileVersion: e.fileVersion !== undefined && e.fileVersion !== '' };
}
