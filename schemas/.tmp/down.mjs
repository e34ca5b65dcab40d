import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
const r = new SchemaRegistry({ host: 'http://localhost:8081/apis/ccompat/v7', retry: { retries: 1 } });
const t0 = Date.now();
try { await r.getSchema(1); } catch (e) { console.log(Date.now()-t0, e.constructor.name, e.status, e.message, Object.keys(e), e.cause); }
try { await r.register({type:'AVRO', schema: JSON.stringify({type:'record',name:'X',namespace:'a',fields:[]})}, {subject: 'x'}); } catch (e) { console.log(e.constructor.name, e.status, e.message); }
