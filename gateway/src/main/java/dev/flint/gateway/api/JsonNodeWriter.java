package dev.flint.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.ext.MessageBodyWriter;
import jakarta.ws.rs.ext.Provider;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;

/**
 * Writes the API's JSON trees as they are: Jackson's {@link JsonNode#toString()} is their JSON.
 * (Quarkus's bean writer would serialise a tree's getters instead.)
 */
@Provider
@Produces(MediaType.APPLICATION_JSON)
public class JsonNodeWriter implements MessageBodyWriter<JsonNode> {
    @Override
    public boolean isWriteable(Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType) {
        return JsonNode.class.isAssignableFrom(type);
    }

    @Override
    public void writeTo(JsonNode node, Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType,
            MultivaluedMap<String, Object> headers, OutputStream out) throws IOException {
        out.write(node.toString().getBytes(StandardCharsets.UTF_8));
    }
}
