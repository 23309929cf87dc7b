// The server's form schemas are JSON Schema 2020-12, so Ajv runs in its 2020 dialect.
import { customizeValidator } from "@rjsf/validator-ajv8";
import Ajv2020 from "ajv/dist/2020";

export const validator = customizeValidator({ AjvClass: Ajv2020 });
