/**
 * The chart's two ways of taking a config change: restart (the ConfigMap's
 * checksum rolls the pods) and live (the ConfigMap mounted as CONFIG_DIR,
 * the live settings left out of the checksum). Rendered by the real helm
 * binary, validated against the Kubernetes schemas, and the rendered
 * ConfigMap laid out as the kubelet writes a volume and read by the
 * service's own loader.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { describeVariables } from '../../src/config/spec.js';
import { configMapVolume, type ConfigMapVolume } from '../support/configmap-volume.js';
import { byKind, CHART, helmRender, helmTemplate, one, validateAll, type K8sObject } from './helpers.js';
import { appContainer, podSpec } from './k8s-assertions.js';

const CREDENTIALS = ['database.credentials.values.DB_USER=orapool', 'database.credentials.values.DB_PASSWORD=pw', 'database.credentials.values.DB_CONNECT_STRING=db:1521/FREEPDB1'];
const LIVE = 'configReload.mode=live';

const render = (...sets: string[]) => helmRender([], [...CREDENTIALS, ...sets]);
const configMap = (objects: K8sObject[]) => one(byKind(objects, 'ConfigMap').filter((o) => !o.metadata.name.endsWith('-dashboard')), 'ConfigMap');
const checksum = (objects: K8sObject[]) =>
  (one(objects, 'Deployment').spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata.annotations['checksum/config'];
const volumes = (objects: K8sObject[]) => (podSpec(one(objects, 'Deployment')) as { volumes: Array<{ name: string; configMap?: { name: string } }> }).volumes;
const mounts = (objects: K8sObject[]) =>
  (appContainer(one(objects, 'Deployment')) as { volumeMounts: Array<{ name: string; mountPath: string; subPath?: string; readOnly?: boolean }> }).volumeMounts;

describe('helm chart: config reload modes', () => {
  let volume: ConfigMapVolume | undefined;
  afterEach(() => {
    volume?.remove();
    volume = undefined;
  });

  describe('restart (the default)', () => {
    const objects = render();

    it('mounts no config directory and leaves CONFIG_DIR empty', () => {
      expect(configMap(objects).data).toMatchObject({ CONFIG_DIR: '' });
      expect(volumes(objects).some((v) => v.configMap)).toBe(false);
    });

    it('rolls the pods on any change, a live setting included', () => {
      expect(checksum(render('config.DB_POOL_MAX=7'))).not.toBe(checksum(objects));
      expect(checksum(render('config.LOG_LEVEL=debug'))).not.toBe(checksum(objects));
    });
  });

  describe('live', () => {
    const objects = render(LIVE);

    it('renders objects that validate against the Kubernetes schemas', async () => {
      expect(await validateAll(objects)).toEqual([]);
    });

    it('mounts the ConfigMap as a whole directory (never subPath, which the kubelet does not update) at CONFIG_DIR', () => {
      const name = configMap(objects).metadata.name;
      const volume = volumes(objects).find((v) => v.configMap?.name === name);
      expect(volume).toBeDefined();
      const mount = mounts(objects).find((m) => m.name === volume!.name)!;
      expect(mount).toMatchObject({ mountPath: '/etc/orapool/config', readOnly: true });
      expect(mount.subPath).toBeUndefined();
      expect(configMap(objects).data).toMatchObject({ CONFIG_DIR: '/etc/orapool/config' });
      const moved = render(LIVE, 'configReload.mountPath=/config');
      expect(configMap(moved).data).toMatchObject({ CONFIG_DIR: '/config' });
      expect(mounts(moved).some((m) => m.mountPath === '/config')).toBe(true);
    });

    it('keeps every live setting out of the checksum, and every other setting in it', () => {
      const live = new Set(describeVariables().filter((d) => d.live).map((d) => d.name));
      expect(checksum(render(LIVE, 'config.DB_POOL_MAX=7', 'config.DB_POOL_MIN=1', 'config.LOG_LEVEL=debug', 'config.SHED_EVENT_LOOP_DELAY_MS=500'))).toBe(checksum(objects));
      expect(checksum(render(LIVE, 'config.PORT=7000'))).not.toBe(checksum(objects));
      expect(checksum(render(LIVE, 'config.DB_CALL_TIMEOUT=9'))).not.toBe(checksum(objects));
      // The chart's list is the spec's (npm run gen:config writes it; config-drift checks it).
      const listed = readFileSync(join(CHART, 'files', 'live-settings.txt'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
      expect(new Set(listed)).toEqual(live);
    });

    it('renders a ConfigMap that, mounted as the kubelet writes it, the service reads and watches', () => {
      const data = configMap(render(LIVE, 'config.DB_POOL_MAX=12')).data as Record<string, string>;
      volume = configMapVolume(data);
      const env = { DB_USER: 'u', DB_PASSWORD: 'p', DB_CONNECT_STRING: 'h/s', CONFIG_DIR: volume.dir };
      expect(loadConfig(env).pool.max).toBe(12);
      volume.update(configMap(render(LIVE, 'config.DB_POOL_MAX=5')).data as Record<string, string>);
      expect(loadConfig(env).pool.max).toBe(5);
    });
  });

  it('refuses an unknown mode', () => {
    const result = helmTemplate([], [...CREDENTIALS, 'configReload.mode=sometimes']);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/mode/);
  });
});
