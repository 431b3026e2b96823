export { IdempotencyKey, NameParams, RequestParams, RunParams } from '../../src/contracts/http/v1';
