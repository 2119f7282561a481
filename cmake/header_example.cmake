# cmake -DHEADER=include/easel/x.h -DNAME=x -DOUTPUT=x.cpp -P header_example.cmake
# Writes the teaching example at the top of a public header (its comment lines indented
# by three spaces, before `#pragma once`) as the body of a function, so that the build
# checks every example still compiles and links against the library.
file(READ "${HEADER}" text)
string(FIND "${text}" "#pragma once" end)
string(SUBSTRING "${text}" 0 ${end} text)
# CMake lists split on ';', which C++ is full of: hide them while working line by line.
string(REPLACE ";" "@SEMICOLON@" text "${text}")
string(REGEX MATCHALL "(^|\n)//   [^\n]*" lines "${text}")
set(body "")
foreach(line IN LISTS lines)
  string(REGEX REPLACE "^\n?//   " "  " line "${line}")
  string(APPEND body "${line}\n")
endforeach()
string(REPLACE "@SEMICOLON@" ";" body "${body}")
file(WRITE "${OUTPUT}.tmp" "// Generated from ${HEADER} by cmake/header_example.cmake: the header's teaching example.
#include <cstdio>
#include <vector>

#include \"easel/easel.h\"

void header_example_${NAME}() {
${body}}
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
