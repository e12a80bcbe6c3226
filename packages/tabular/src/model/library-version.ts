// Named imports let the bundler keep just these two fields of package.json.
import { name, version } from "../../package.json";

/** The package that writes model files, recorded in their header. */
export const LIBRARY_NAME: string = name;
export const LIBRARY_VERSION: string = version;
