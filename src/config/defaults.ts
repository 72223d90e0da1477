/** The config file commands read when --config is not given; apart so the CLI can name it without loading the config code. */
export const DEFAULT_CONFIG_FILE = 'driftless.yaml';
