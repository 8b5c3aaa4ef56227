/**
 * Changes the data of a stopped local stack with nobody listening to its bucket, in a process
 * of its own (dynalite keeps its LevelDB locked until its process exits):
 *
 *   tsx test/support/offline-changes.ts DATA_DIR '{"put": {"posts/a.md": "…"}, "delete": ["posts/b.md"], "deleteItems": [["pk", "sk"]]}'
 */
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { dynamoClient } from '../../functions/adapters/clients';
import { s3Client } from '../../functions/adapters/s3-client';
import { ENV } from '../../functions/config-names';
import { dataPaths, startEmulators } from '../../infra/local/emulators';
import { LOCAL_BUCKET, LOCAL_TABLE } from '../../infra/local/local-stack';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

interface Plan {
  put?: Record<string, string>;
  delete?: string[];
  deleteItems?: Array<[string, string]>;
}

async function main(dataDir: string, plan: Plan): Promise<void> {
  const paths = dataPaths(dataDir);
  const emulators = await startEmulators({
    s3Directory: paths.s3,
    dynamoDirectory: paths.dynamo,
    s3Port: 0,
    dynamoPort: 0,
    bucket: LOCAL_BUCKET,
  });
  const s3 = s3Client({ [ENV.s3Endpoint]: emulators.s3Endpoint });
  const dynamo = dynamoClient({ [ENV.dynamoEndpoint]: emulators.dynamoEndpoint });
  try {
    for (const [key, body] of Object.entries(plan.put ?? {}))
      await s3.send(new PutObjectCommand({ Bucket: LOCAL_BUCKET, Key: key, Body: body }));
    for (const key of plan.delete ?? []) await s3.send(new DeleteObjectCommand({ Bucket: LOCAL_BUCKET, Key: key }));
    for (const [pk, sk] of plan.deleteItems ?? []) {
      await dynamo.send(new DeleteItemCommand({ TableName: LOCAL_TABLE, Key: { pk: { S: pk }, sk: { S: sk } } }));
    }
  } finally {
    s3.destroy();
    dynamo.destroy();
    await emulators.stop();
  }
}

main(process.argv[2], JSON.parse(process.argv[3]) as Plan).then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
