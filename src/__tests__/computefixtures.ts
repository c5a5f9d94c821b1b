/**
 * A small catalog and a fake server for the compute tests: the fake answers
 * `compute/catalog` and `compute/estimate` the way the server extension does.
 */
import { ServerConnection } from '@jupyterlab/services';

import type {
  ICatalog,
  IEstimate,
  IEstimateRequest,
  IInstanceType
} from '../compute/api';

/** A type with the fields a test does not care about filled in. */
export function instanceType(
  fields: Partial<IInstanceType> & { name: string }
): IInstanceType {
  const vcpu = fields.vcpu ?? 2;
  const memory = fields.memory_gib ?? 8;
  const price =
    fields.price_per_hour === undefined ? 0.1 : fields.price_per_hour;
  return {
    family: fields.name.split('.')[0],
    vcpu,
    memory_gib: memory,
    arch: ['x86_64'],
    gpu_count: 0,
    gpu_model: null,
    gpu_memory_gib: null,
    local_nvme_gb: null,
    network: 'Up to 10 Gigabit',
    burstable: false,
    price_per_hour: price,
    price_per_vcpu_hour: price === null ? null : price / vcpu,
    price_per_gib_hour: price === null ? null : price / memory,
    spot_price_per_hour: null,
    allowed: true,
    reason: null,
    ...fields
  };
}

export const TYPES: IInstanceType[] = [
  instanceType({
    name: 't3.micro',
    vcpu: 2,
    memory_gib: 1,
    price_per_hour: 0.0104,
    burstable: true
  }),
  instanceType({
    name: 'm5.large',
    vcpu: 2,
    memory_gib: 8,
    price_per_hour: 0.096
  }),
  instanceType({
    name: 'm5.xlarge',
    vcpu: 4,
    memory_gib: 16,
    price_per_hour: 0.192
  }),
  instanceType({
    name: 'g4dn.xlarge',
    vcpu: 4,
    memory_gib: 16,
    price_per_hour: 0.526,
    gpu_count: 1,
    gpu_model: 'NVIDIA T4',
    gpu_memory_gib: 16
  }),
  instanceType({
    name: 'p4d.24xlarge',
    vcpu: 96,
    memory_gib: 1152,
    price_per_hour: 32.7726,
    gpu_count: 8,
    gpu_model: 'NVIDIA A100',
    gpu_memory_gib: 40,
    allowed: false,
    reason: 'costs more than the $10.00/h limit'
  }),
  instanceType({ name: 'zz9.large', price_per_hour: null })
];

export const PRICES = {
  source: 'bundled' as const,
  as_of: '2026-07-20T13:44:30Z',
  detail: 'Snapshot of the AWS Price List API shipped with ucdh-jupyter'
};

/** The catalog answer for a parsed query, filtering like the server. */
export function catalogFor(params: URLSearchParams): ICatalog {
  let types = TYPES;
  if (params.get('gpu') === 'yes') {
    types = types.filter(t => t.gpu_count > 0);
  }
  if (params.get('gpu') === 'no') {
    types = types.filter(t => t.gpu_count === 0);
  }
  const minVcpu = Number(params.get('min_vcpu') ?? 0);
  types = types.filter(t => t.vcpu >= minVcpu);
  const family = params.get('family');
  if (family) {
    types = types.filter(t => t.family === family);
  }
  const databricks = params.get('backend') === 'databricks';
  return {
    region: 'us-east-1',
    backend: databricks ? 'databricks' : 'ec2',
    // A configured workspace: its node types only (here, all of them).
    workspace_node_types: databricks,
    prices: PRICES,
    spot: { source: 'unavailable', as_of: '', detail: 'No spot prices' },
    total: TYPES.length,
    count: types.length,
    limits: {
      max_price_per_hour: 10,
      max_gpus: null,
      allowed_families: [],
      allowed_types: [],
      max_runtime_hours: 24
    },
    presets: [
      {
        key: 'small',
        label: 'Small',
        description: 'Notebooks, small tables',
        filters: { min_vcpu: 2, max_price: 0.2 },
        instance_type: 'm5.large'
      },
      {
        key: 'gpu',
        label: 'GPU',
        description: 'Deep learning',
        filters: { gpu: 'yes', sort: 'price' },
        instance_type: 'g4dn.xlarge'
      }
    ],
    types
  };
}

/** The estimate answer: on-demand rate × hours × machines, like the server's EC2 rule. */
export function estimateFor(body: IEstimateRequest): IEstimate {
  const type = TYPES.find(t => t.name === body.instance_type) as IInstanceType;
  const backend = body.backend ?? 'ec2';
  const count = body.count ?? 1;
  const nodes = backend === 'databricks' ? count + 1 : count;
  const rate = (type.price_per_hour ?? 0) * nodes;
  const low = body.hours_low ?? 1;
  const high = body.hours_high ?? low;
  return {
    currency: 'USD',
    backend,
    instance_type: type.name,
    nodes,
    hours_low: low,
    hours_high: high,
    low: rate * low,
    high: rate * high,
    breakdown: [
      {
        item: `EC2 ${type.name} on-demand x ${nodes}`,
        rate_per_hour: rate,
        low: rate * low,
        high: rate * high
      }
    ],
    billing: 'Linux on EC2 is billed per second, with a 60-second minimum.',
    excludes: ['Savings Plans', 'data transfer', 'tax'],
    prices: PRICES,
    allowed: type.allowed,
    reason: type.reason
  };
}

/** A recorded request to the fake server. */
export interface IRecorded {
  path: string;
  params: URLSearchParams;
  body: IEstimateRequest | null;
}

/** What a fake server needs of a request: method, path under `ucdh-jupyter/`, URL and JSON body. */
export async function readRequest<B>(
  input: RequestInfo | URL,
  init?: RequestInit
): Promise<{ method: string; path: string; url: URL; body: B | null }> {
  const request = input instanceof Request ? input : new Request(input, init);
  const url = new URL(request.url);
  const text = await request.text();
  return {
    method: request.method,
    path: url.pathname.replace(/^.*ucdh-jupyter\//, ''),
    url,
    body: text ? (JSON.parse(text) as B) : null
  };
}

/** Server settings whose fetch answers like the compute routes; `fail` makes the catalog fail. */
export function fakeServer(options: { failCatalog?: number } = {}): {
  serverSettings: ServerConnection.ISettings;
  requests: IRecorded[];
} {
  const requests: IRecorded[] = [];
  let failures = options.failCatalog ?? 0;
  const fetch = async (
    input: RequestInfo | URL,
    init?: RequestInit
  ): Promise<Response> => {
    const { url, path, body } = await readRequest<IEstimateRequest>(
      input,
      init
    );
    requests.push({ path, params: url.searchParams, body });
    if (path === 'compute/catalog') {
      if (failures > 0) {
        failures -= 1;
        return new Response(
          JSON.stringify({
            message: 'AWS refused to list instance types.',
            code: 'access_denied',
            hint: 'Ask your administrator for `ec2:DescribeInstanceTypes`.'
          }),
          { status: 403 }
        );
      }
      return new Response(JSON.stringify(catalogFor(url.searchParams)));
    }
    if (path === 'compute/estimate' && body) {
      return new Response(JSON.stringify(estimateFor(body)));
    }
    return new Response('{}', { status: 404 });
  };
  const serverSettings = ServerConnection.makeSettings({
    baseUrl: 'http://localhost:8888/',
    fetch
  });
  return { serverSettings, requests };
}
