import packageJson from "../../package.json" with { type: "json" };

/** The package that writes model files, recorded in their header. */
export const LIBRARY_NAME: string = packageJson.name;
export const LIBRARY_VERSION: string = packageJson.version;
