/**
 * @jest-environment jsdom
 */
import { ISettingRegistry, SettingRegistry } from '@jupyterlab/settingregistry';

import schema from '../schema/plugin.json';
import { DEFAULT_SETTINGS, readSettings } from '../src/model/settings';

const ID = 'jupyter-mlops:plugin';

/** The registry JupyterLab builds, on a connector that serves our schema and `raw`. */
function registry(raw: string) {
  const saved: string[] = [];
  const connector = {
    fetch: async (id: string): Promise<ISettingRegistry.IPlugin | undefined> =>
      id === ID
        ? {
            id,
            raw,
            schema: schema as ISettingRegistry.ISchema,
            data: { composite: {}, user: {} },
            version: '0.1.0'
          }
        : undefined,
    list: async () => ({ ids: [ID], values: [] }),
    save: async (_id: string, value: string) => {
      saved.push(value);
      raw = value;
    },
    remove: async () => undefined
  };
  return { registry: new SettingRegistry({ connector }), saved };
}

describe("schema/plugin.json in JupyterLab's setting registry", () => {
  it('loads with our defaults when the user set nothing', async () => {
    const settings = await registry('{}').registry.load(ID);
    expect(readSettings(settings.composite)).toEqual(DEFAULT_SETTINGS);
  });

  it('composes user values over the defaults and reports changes', async () => {
    const settings = await registry('{"modelsPollInterval": 30000}').registry.load(ID);
    expect(readSettings(settings.composite).modelsPollInterval).toBe(30000);
    const seen: number[] = [];
    settings.changed.connect(() => seen.push(readSettings(settings.composite).runsPollInterval));
    await settings.set('runsPollInterval', 10000);
    expect(seen).toEqual([10000]);
  });

  it('rejects values outside the schema', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const error = (keyword: string) =>
        expect.arrayContaining([expect.objectContaining({ keyword })]);
      await expect(registry('{"runsPollInterval": 10}').registry.load(ID)).rejects.toEqual(
        error('minimum')
      );
      await expect(registry('{"openSections": {"graph": true}}').registry.load(ID)).rejects.toEqual(
        error('additionalProperties')
      );
      const settings = await registry('{}').registry.load(ID);
      await expect(settings.set('maxPollInterval', 'soon')).rejects.toThrow('failed to validate');
      expect(readSettings(settings.composite)).toEqual(DEFAULT_SETTINGS);
      expect(warn).toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });
});
