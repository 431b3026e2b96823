import type { ConnectionLike } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';
import { temporal } from '@temporalio/proto';
import { ALL_SEARCH_ATTRIBUTES } from '../contracts/temporal';
import type { Logger } from '../logger';

const IndexedValueType = temporal.api.enums.v1.IndexedValueType;

const INDEXED_TYPE: Record<SearchAttributeType, temporal.api.enums.v1.IndexedValueType> = {
  [SearchAttributeType.TEXT]: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  [SearchAttributeType.KEYWORD]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.INT]: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  [SearchAttributeType.DOUBLE]: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  [SearchAttributeType.BOOL]: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  [SearchAttributeType.DATETIME]: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  [SearchAttributeType.KEYWORD_LIST]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/**
 * Registers holdpoint's search attributes in the namespace, adding only the missing ones, so it is
 * safe on every start (the dev server's `--search-attribute` flag only applies to a new database).
 */
export async function ensureSearchAttributes(
  connection: ConnectionLike,
  namespace: string,
  logger: Logger,
  keys: readonly SearchAttributeKey<SearchAttributeType>[] = ALL_SEARCH_ATTRIBUTES,
): Promise<void> {
  const missing = await findMissing(connection, namespace, keys);
  if (missing.length === 0) return;
  const searchAttributes = Object.fromEntries(missing.map((k) => [k.name, INDEXED_TYPE[k.type]]));
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
  } catch (err) {
    // Another process (a second worker, the gateway) may have registered them first.
    if ((await findMissing(connection, namespace, keys)).length > 0) throw err;
  }
  logger.info({ namespace, added: missing.map((k) => k.name) }, 'registered search attributes');
}

async function findMissing(
  connection: ConnectionLike,
  namespace: string,
  keys: readonly SearchAttributeKey<SearchAttributeType>[],
): Promise<SearchAttributeKey<SearchAttributeType>[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing: SearchAttributeKey<SearchAttributeType>[] = [];
  for (const key of keys) {
    const existing = customAttributes?.[key.name];
    if (existing === undefined || existing === null) missing.push(key);
    else if (existing !== INDEXED_TYPE[key.type]) {
      throw new Error(
        `search attribute ${key.name} exists in namespace ${namespace} with another type (${IndexedValueType[existing]}); holdpoint needs ${key.type}`,
      );
    }
  }
  return missing;
}
